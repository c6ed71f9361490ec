package io.flashrig.agent.ui;

import com.google.protobuf.InvalidProtocolBufferException;
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

    @Override
    public void close() {
        flush.run();
    }
}
