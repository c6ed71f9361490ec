package io.flashrig.agent.ui;

import io.flashrig.agent.job.FlashJob;
import io.flashrig.agent.programmer.Durations;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import java.io.PrintStream;
import java.time.Duration;
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

/**
 * A live table of the boards on the hub (slot, order, serial, state, progress, MAC, elapsed, result), redrawn in place
 * after events, at most a few times a second, with the latest operator messages below it. While it redraws in place,
 * log records join those messages instead of going to the console: a line printed between two redraws would be
 * overwritten or shift the table.
 */
final class TableOutput implements OperatorOutput {

    private static final long REDRAW_MILLIS = 250;
    private static final int MESSAGES = 6;
    /** Longer messages are cut, so that no line wraps and the redraw moves up exactly the lines it drew. */
    private static final int MESSAGE_WIDTH = 130;
    private static final String GREEN = "\u001b[32m";
    private static final String RED = "\u001b[31m";
    private static final String RESET = "\u001b[0m";

    private record Row(String slot, int order, String serial, FlashJobState state, int progress, String mac, Instant since,
            Instant ended, String result) {
    }

    private final PrintStream out;
    private final boolean ansi;
    private final Map<String, Row> rows = new LinkedHashMap<>();
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
    private int drawnLines;
    private boolean redrawPending;

    TableOutput(PrintStream out, boolean ansi) {
        this.out = out;
        this.ansi = ansi;
        if (ansi) {
            Logger root = Logger.getLogger("");
            for (Handler handler : root.getHandlers()) {
                root.removeHandler(handler);
                consoleHandlers.add(handler);
            }
            logToMessages.setLevel(Level.INFO);
            root.addHandler(logToMessages);
            // Elapsed times move with the clock, not with events.
            redraw.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        }
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
        messages.addLast(EventText.clean(message, MESSAGE_WIDTH));
        scheduleRedraw();
    }

    private void scheduleRedraw() {
        if (!redrawPending) {
            redrawPending = true;
            redraw.schedule(this::draw, REDRAW_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void show(BoardEvent e) {
        Row old = rows.get(e.getSerial());
        Instant at = Instant.ofEpochSecond(e.getOccurredAt().getSeconds(), e.getOccurredAt().getNanos());
        Row row = old == null || e.getChangeCase() == BoardEvent.ChangeCase.DETECTED
                ? new Row(e.getSlot().getLabel(), e.getSlot().getPowerUpOrder(), e.getSerial(), e.getState(), 0, "", at, null, "")
                : old;
        int progress = e.hasFlashProgress() ? e.getFlashProgress().getOverallPercent() : row.progress();
        if (e.hasFlashed()) {
            progress = 100;
        }
        String mac = e.hasDone() ? e.getDone().getMac() : e.hasMacWritten() ? e.getMacWritten().getMac()
                : e.hasOtpRead() ? e.getOtpRead().getMac() : row.mac();
        String result = e.hasFailed() ? e.getFailed().getMessage() : e.hasDone() ? "unplug now" : e.hasInterrupted() ? "unplugged early"
                : e.hasWaitingForMac() ? e.getWaitingForMac().getMessage() : row.result();
        boolean over = e.hasDone() || e.hasFailed() || e.hasInterrupted();
        rows.put(e.getSerial(), new Row(row.slot(), row.order(), row.serial(), e.getState(), progress, mac, row.since(),
                over ? at : row.ended(), result));
        if (e.hasRemoved() || e.hasInterrupted()) {
            rows.remove(e.getSerial());
        }
        Messages.of(e).filter(m -> !e.hasFlashStarted() && !e.hasDetected()).ifPresent(this::note);
        scheduleRedraw();
    }

    private synchronized void draw() {
        redrawPending = false;
        StringBuilder sb = new StringBuilder();
        if (ansi && drawnLines > 0) {
            sb.append("\u001b[").append(drawnLines).append("F\u001b[J");
        }
        int lines = 0;
        sb.append(String.format("%-5s %5s  %-24s  %-16s %4s  %-17s %7s  %s%n", "SLOT", "ORDER", "SERIAL", "STATE", "%", "MAC", "ELAPSED", "RESULT"));
        lines++;
        Instant now = Instant.now();
        for (Row r : rows.values()) {
            String colour = !ansi ? "" : r.state() == FlashJobState.FLASH_JOB_STATE_DONE ? GREEN
                    : r.state() == FlashJobState.FLASH_JOB_STATE_FAILED ? RED : "";
            String elapsed = Durations.format(Duration.between(r.since(), r.ended() == null ? now : r.ended()));
            String result = EventText.clean(r.result(), 60);
            sb.append(colour).append(String.format("%-5s %5d  %-24s  %-16s %4d  %-17s %7s  %s", r.slot(), r.order(), r.serial(),
                    FlashJob.name(r.state()), r.progress(), r.mac(), elapsed, result)).append(colour.isEmpty() ? "" : RESET)
                    .append(System.lineSeparator());
            lines++;
        }
        sb.append(System.lineSeparator());
        lines++;
        for (String m : messages) {
            sb.append(m).append(System.lineSeparator());
            lines++;
        }
        out.print(sb);
        out.flush();
        drawnLines = lines;
    }

    @Override
    public void close() {
        redraw.shutdown();
        draw();
        if (ansi) {
            Logger root = Logger.getLogger("");
            root.removeHandler(logToMessages);
            consoleHandlers.forEach(root::addHandler);
        }
    }
}
