package io.flashrig.agent.ui;

import io.flashrig.agent.label.LabelNotice;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** One line per meaningful event, for logs and terminals that cannot redraw. */
final class PlainOutput implements OperatorOutput {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private final PrintStream out;
    private final boolean bell;

    /** With {@code bell}, a board ready to unplug or failed also rings the terminal's bell. */
    PlainOutput(PrintStream out, boolean bell) {
        this.out = out;
        this.bell = bell;
    }

    @Override
    public synchronized void show(BoardEvent event) {
        Messages.of(event).ifPresent(line -> out.println(TIME.format(LocalTime.now()) + "  " + line
                + (bell && (event.hasDone() || event.hasFailed()) ? "\u0007" : "")));
    }

    @Override
    public synchronized void label(LabelNotice notice) {
        // A label queued only because it is next says nothing an operator needs; one waiting for the printer does.
        if (notice.state() != LabelNotice.State.QUEUED || !notice.detail().isEmpty()) {
            out.println(TIME.format(LocalTime.now()) + "  " + Messages.label(notice));
        }
    }

    @Override
    public void close() {
        out.flush();
    }
}
