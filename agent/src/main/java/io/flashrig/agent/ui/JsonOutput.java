package io.flashrig.agent.ui;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.PrintStream;

/** One JSON object per event per line (the proto's JSON mapping), for factory systems. */
final class JsonOutput implements OperatorOutput {

    private final PrintStream out;
    private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();

    JsonOutput(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void show(BoardEvent event) {
        try {
            out.println(printer.print(event));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a board event cannot be printed as JSON", e);
        }
    }

    @Override
    public void close() {
        out.flush();
    }
}
