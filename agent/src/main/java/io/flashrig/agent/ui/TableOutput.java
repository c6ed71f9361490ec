package io.flashrig.agent.ui;

import io.flashrig.agent.label.LabelNotice;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;

/**
 * The live table of the boards on the hub, drawn with JLine on the terminal's alternate screen and redrawn in place
 * (a few times a second at most) at the terminal's size, following resizes. The alternate screen keeps every redraw out
 * of the scrollback; when the agent stops, the last table is printed once on the normal screen, so the shift's end
 * stays readable there.
 *
 * <p>While the table is up, log records and stray lines on stderr join its messages instead of going to the terminal:
 * a line printed between two redraws would be drawn over or shift the table.
 *
 * <p>Without a terminal ({@code --output table} into a pipe), each redraw prints the whole table as plain text.
 */
final class TableOutput implements OperatorOutput {

    private static final long REDRAW_MILLIS = 250;
    private static final int MESSAGES = 20;
    /** The width of a table printed as plain text, where no terminal says how wide it may be. */
    private static final int PLAIN_WIDTH = 132;
    /** Unplugged boards kept for the screen; older ones are only in the log lines and on the server. */
    private static final int UNPLUGGED_KEPT = 64;

    private final Terminal terminal;
    private final PrintStream out;
    private final boolean bell;
    private final Clock clock;
    private final Map<String, BoardRow> rows = new LinkedHashMap<>();
    private final Deque<String> messages = new ArrayDeque<>();
    private final ScheduledExecutorService redraw = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "table-redraw");
        t.setDaemon(true);
        return t;
    });
    private final List<Handler> consoleHandlers = new ArrayList<>();
    private final Handler logToMessages = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (isLoggable(record)) {
                note(record.getLevel().getName() + " " + (record instanceof ExtLogRecord ext
                        ? ext.getFormattedMessage() : record.getMessage()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Display display;
    private PrintStream stderr;
    private Attributes attributes;
    private boolean redrawPending;
    private boolean closed;

    /** A live table on {@code terminal}. */
    TableOutput(Terminal terminal, boolean bell, Clock clock) {
        this.terminal = terminal;
        this.out = null;
        this.bell = bell;
        this.clock = clock;
        this.display = new Display(terminal, true);
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
            consoleHandlers.add(handler);
        }
        logToMessages.setLevel(Level.INFO);
        root.addHandler(logToMessages);
        stderr = System.err;
        System.setErr(new PrintStream(new LineSink(this::note), true, StandardCharsets.UTF_8));
        attributes = terminal.enterRawMode();
        // Raw mode for the keys the operator may press, but Ctrl-C must still stop the agent.
        Attributes keys = new Attributes(terminal.getAttributes());
        keys.setLocalFlag(Attributes.LocalFlag.ISIG, true);
        terminal.setAttributes(keys);
        terminal.puts(Capability.enter_ca_mode);
        terminal.puts(Capability.cursor_invisible);
        terminal.handle(Terminal.Signal.WINCH, signal -> resized());
        resized();
        // Elapsed times move with the clock, not with events.
        redraw.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** A table printed as plain text on {@code out} after each change, for a pipe. */
    TableOutput(PrintStream out, Clock clock) {
        this.terminal = null;
        this.out = out;
        this.bell = false;
        this.clock = clock;
        this.display = null;
    }

    private synchronized void resized() {
        if (closed) {
            return;
        }
        Size size = terminal.getSize();
        display.clear();
        display.resize(size.getRows(), size.getColumns());
        scheduleRedraw();
    }

    private synchronized void tick() {
        if (rows.values().stream().anyMatch(r -> r.ended() == null)) {
            scheduleRedraw();
        }
    }

    private synchronized void note(String message) {
        if (messages.size() == MESSAGES) {
            messages.removeFirst();
        }
        // Log records carry whatever reached them (a server's error text, a path): nothing may move the cursor.
        messages.addLast(EventText.clean(message, EventText.MESSAGE));
        scheduleRedraw();
    }

    private void scheduleRedraw() {
        if (!redrawPending && !closed) {
            redrawPending = true;
            redraw.schedule(this::draw, REDRAW_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void show(BoardEvent e) {
        Instant at = Instant.ofEpochSecond(e.getOccurredAt().getSeconds(), e.getOccurredAt().getNanos());
        BoardRow old = rows.get(e.getSerial());
        BoardRow row;
        if (old == null || e.hasDetected()) {
            row = BoardRow.detected(e, at);
            rows.remove(e.getSerial());
            rows.values().removeIf(r -> r.unplugged() && r.sameSlotAs(row));
        } else {
            row = old.after(e, at);
        }
        rows.put(e.getSerial(), row);
        if (row.unplugged()) {
            forgetOldestUnplugged();
        }
        Messages.of(e).filter(m -> !e.hasFlashStarted() && !e.hasDetected()).ifPresent(this::note);
        if (bell && terminal != null && (e.hasDone() || e.hasFailed())) {
            terminal.puts(Capability.bell);
            terminal.flush();
        }
        scheduleRedraw();
    }

    @Override
    public synchronized void label(LabelNotice notice) {
        BoardRow row = rows.get(notice.serial());
        // A board forgotten by the table keeps its label all the same; only its row is gone.
        if (row != null && row.mac().equals(notice.mac())) {
            rows.put(notice.serial(), row.withLabel(notice));
        }
        if (!notice.detail().isEmpty() && notice.state() != LabelNotice.State.PRINTED) {
            note("Board " + notice.serial() + ": " + notice.state().words() + " (" + notice.detail() + ")");
        }
        scheduleRedraw();
    }

    /** The summary's word on labels: how many boards still lack theirs (waiting for the printer, or dropped). */
    private String labelsWaiting() {
        long waiting = rows.values().stream().filter(BoardRow::labelWaits).count();
        return waiting == 0 ? "" : waiting + (waiting == 1 ? " label not printed" : " labels not printed");
    }

    private void forgetOldestUnplugged() {
        List<BoardRow> gone = rows.values().stream().filter(BoardRow::unplugged).toList();
        gone.stream().sorted((a, b) -> a.unpluggedAt().compareTo(b.unpluggedAt())).limit(Math.max(0, gone.size() - UNPLUGGED_KEPT))
                .forEach(r -> rows.remove(r.serial()));
    }

    private synchronized void draw() {
        redrawPending = false;
        if (closed) {
            return;
        }
        if (terminal == null) {
            print(out, PLAIN_WIDTH);
            return;
        }
        Size size = terminal.getSize();
        List<AttributedString> lines = TableLayout.render(rows.values(), List.copyOf(messages), clock.instant(), size.getColumns(),
                size.getRows(), labelsWaiting());
        display.update(lines, -1);
        terminal.flush();
    }

    /** The whole table once, as text for a scrollback or a log: no row limit. */
    private void print(PrintStream to, int width) {
        StringBuilder sb = new StringBuilder();
        for (AttributedString line : TableLayout.render(rows.values(), List.copyOf(messages), clock.instant(), width, 0, labelsWaiting())) {
            sb.append(line).append(System.lineSeparator());
        }
        to.print(sb);
        to.flush();
    }

    @Override
    public void close() {
        redraw.shutdown();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (terminal == null) {
                print(out, PLAIN_WIDTH);
                return;
            }
            // The final table is printed once for the scrollback; a later resize must not redraw over the shell.
            terminal.handle(Terminal.Signal.WINCH, Terminal.SignalHandler.SIG_DFL);
            terminal.puts(Capability.exit_ca_mode);
            terminal.puts(Capability.cursor_visible);
            terminal.setAttributes(attributes);
            int width = terminal.getSize().getColumns();
            for (AttributedString line : TableLayout.render(rows.values(), List.copyOf(messages), clock.instant(), width, 0, labelsWaiting())) {
                terminal.writer().println(line.toAnsi(terminal));
            }
            terminal.flush();
        }
        System.setErr(stderr);
        Logger root = Logger.getLogger("");
        root.removeHandler(logToMessages);
        consoleHandlers.forEach(root::addHandler);
    }

    /** Text written to stderr while the table is up, as whole lines. */
    private static final class LineSink extends OutputStream {
        private final java.util.function.Consumer<String> lines;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSink(java.util.function.Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8).stripTrailing();
                line.reset();
                if (!text.isEmpty()) {
                    lines.accept(text);
                }
            } else {
                line.write(b);
            }
        }
    }
}
