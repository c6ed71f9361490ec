package io.flashrig.agent.ui;

import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.PrintStream;
import java.util.Locale;

/** What the operator sees: every board event, as a live table, plain lines or JSON lines. */
public interface OperatorOutput extends AutoCloseable {

    /** Shows one event. Called from several job threads. */
    void show(BoardEvent event);

    @Override
    void close();

    /**
     * The output for {@code mode} ({@code table}, {@code plain}, {@code json}; {@code log}: JSON lines through the
     * agent's log, into its log file when one is configured; {@code auto}: a table on a terminal, plain lines otherwise).
     */
    static OperatorOutput create(String mode, PrintStream out, boolean terminal) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "table" -> new TableOutput(out, terminal);
            case "plain" -> new PlainOutput(out);
            case "json" -> JsonOutput.to(out);
            case "log" -> JsonOutput.toLog();
            case "auto" -> terminal ? new TableOutput(out, true) : new PlainOutput(out);
            default -> throw new IllegalArgumentException("--output must be table, plain, json or log, not '" + mode + "'");
        };
    }
}
