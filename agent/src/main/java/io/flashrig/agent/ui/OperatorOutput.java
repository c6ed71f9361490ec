package io.flashrig.agent.ui;

import io.flashrig.agent.label.LabelNotice;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Locale;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/** What the operator sees: every board event, as a live table, plain lines or JSON lines. */
public interface OperatorOutput extends AutoCloseable {

    /** Shows one event. Called from several job threads. */
    void show(BoardEvent event);

    /** Shows where a board's label is. Called from the label queue's thread. */
    void label(LabelNotice notice);

    @Override
    void close();

    /**
     * The output for {@code mode} ({@code table}, {@code plain}, {@code json}; {@code log}: JSON lines through the
     * agent's log, into its log file when one is configured; {@code auto}: a table on a terminal, plain lines otherwise).
     * With {@code bell}, a terminal rings when a board is ready to unplug or has failed.
     */
    static OperatorOutput create(String mode, PrintStream out, boolean terminal, boolean bell) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "table" -> terminal ? table(out, bell) : new TableOutput(out, Clock.systemUTC());
            case "plain" -> new PlainOutput(out, terminal && bell);
            case "json" -> JsonOutput.to(out);
            case "log" -> JsonOutput.toLog();
            case "auto" -> terminal ? table(out, bell) : new PlainOutput(out, false);
            default -> throw new IllegalArgumentException("--output must be table, plain, json or log, not '" + mode + "'");
        };
    }

    /** The live table on this process's terminal; plain lines on a terminal that cannot move its cursor. */
    private static OperatorOutput table(PrintStream out, boolean bell) {
        Terminal terminal;
        try {
            terminal = TerminalBuilder.builder().system(true).dumb(true).build();
        } catch (IOException | RuntimeException e) {
            return new PlainOutput(out, bell);
        }
        if (terminal.getType().startsWith(Terminal.TYPE_DUMB) || terminal.getSize().getRows() < 5) {
            try {
                terminal.close();
            } catch (IOException e) {
                // Never used.
            }
            return new PlainOutput(out, bell);
        }
        return new TableOutput(terminal, bell, Clock.systemUTC());
    }
}
