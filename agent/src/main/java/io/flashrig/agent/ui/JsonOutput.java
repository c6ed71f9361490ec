package io.flashrig.agent.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import io.flashrig.agent.label.LabelNotice;
import com.google.protobuf.util.JsonFormat;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.PrintStream;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/** One JSON object per event per line (the proto's JSON mapping), for factory systems. */
final class JsonOutput implements OperatorOutput {

    /** The category event lines are logged under in {@code log} mode, so a log configuration can pick them out. */
    static final String EVENTS_CATEGORY = "io.flashrig.agent.events";

    private final Consumer<String> lines;
    private final Runnable flush;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();

    private JsonOutput(Consumer<String> lines, Runnable flush) {
        this.lines = lines;
        this.flush = flush;
    }

    /** Lines on {@code out}. */
    static JsonOutput to(PrintStream out) {
        return new JsonOutput(out::println, out::flush);
    }

    /**
     * Lines through the agent's log, so that they land in its rotating log file. launchd opens a service's stdout once
     * and never reopens it, so a service on macOS cannot have its stdout rotated.
     */
    static JsonOutput toLog() {
        Logger log = Logger.getLogger(EVENTS_CATEGORY);
        return new JsonOutput(log::info, () -> { });
    }

    @Override
    public synchronized void show(BoardEvent event) {
        try {
            lines.accept(printer.print(event));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a board event cannot be printed as JSON", e);
        }
    }

    /** A label's state as one line of its own kind, {@code {"label":{"serial":…,"mac":…,"state":"PRINTED","detail":…}}}. */
    @Override
    public synchronized void label(LabelNotice notice) {
        ObjectNode line = JSON.createObjectNode();
        line.putObject("label").put("serial", notice.serial()).put("mac", notice.mac()).put("state", notice.state().name())
                .put("detail", notice.detail());
        lines.accept(line.toString());
    }

    @Override
    public void close() {
        flush.run();
    }
}
