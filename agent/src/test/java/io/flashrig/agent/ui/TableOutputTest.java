package io.flashrig.agent.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.flashrig.agent.label.LabelNotice;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardDone;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.BoardRemoved;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.Slot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;

class TableOutputTest {

    private static final String LONG_FAILURE = "Error: Data mismatch found at address 0x08004000 (byte = 0x3C instead of 0x00); "
            + "the board's flash may be worn, set it aside";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T08:00:00Z"), ZoneOffset.UTC);

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final List<Board> jobs = new ArrayList<>();

    /** A board on the hub, as the table hears of it: by its events, the way its job emits them. */
    private record Board(OperatorOutput table, String serial, String slot, int order) {

        void emit(FlashJobState state, Consumer<BoardEvent.Builder> change) {
            Instant now = CLOCK.instant();
            BoardEvent.Builder e = BoardEvent.newBuilder().setSerial(serial).setState(state)
                    .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                    .setSlot(Slot.newBuilder().setLabel(slot).setPowerUpOrder(order).setPortPath("1-1." + order));
            change.accept(e);
            table.show(e.build());
        }

        void flash(int percent) {
            emit(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(FlashStarted.getDefaultInstance()));
            emit(FlashJobState.FLASH_JOB_STATE_FLASHING, e -> e.setFlashProgress(FlashProgress.newBuilder().setOverallPercent(percent)));
        }

        void done(String mac) {
            flash(100);
            emit(FlashJobState.FLASH_JOB_STATE_FLASHED, e -> e.setFlashed(BoardFlashed.getDefaultInstance()));
            emit(FlashJobState.FLASH_JOB_STATE_DONE, e -> e.setDone(BoardDone.newBuilder().setMac(mac)));
        }

        void fail(FailureReason reason, String message) {
            emit(FlashJobState.FLASH_JOB_STATE_FAILED, e -> e.setFailed(BoardFailed.newBuilder().setReason(reason).setMessage(message)
                    .setFailedInState(FlashJobState.FLASH_JOB_STATE_FLASHING)));
        }

        void removed() {
            emit(FlashJobState.FLASH_JOB_STATE_REMOVED, e -> e.setRemoved(BoardRemoved.newBuilder()
                    .setFinalState(FlashJobState.FLASH_JOB_STATE_DONE)));
        }
    }

    private Board boardIn(OperatorOutput table, String serial, String slot, int order) {
        Board board = new Board(table, serial, slot, order);
        board.emit(FlashJobState.FLASH_JOB_STATE_DETECTED, e -> e.setDetected(BoardDetected.getDefaultInstance()));
        jobs.add(board);
        return board;
    }

    private static String serial(int i) {
        return String.format("003C004734305115363836%02d", i);
    }

    /** A shift's worth of states on eight slots: done, failed with a long message, flashing, detected. */
    private List<Board> eightBoards(OperatorOutput table) {
        for (int i = 1; i <= 8; i++) {
            boardIn(table, serial(i), Integer.toString(i), i);
        }
        jobs.get(0).done("04:D9:21:38:30:A8");
        jobs.get(1).flash(40);
        jobs.get(1).fail(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, LONG_FAILURE);
        jobs.get(2).flash(52);
        jobs.get(3).done("04:D9:21:38:30:A9");
        return jobs;
    }

    private List<String> screen(OperatorOutput events, Recorder recorder, int width, int height) {
        return TableLayout.render(recorder.rows(), List.of("Board 003C00473430511536383601 is done, MAC 04:D9:21:38:30:A8; "
                + "it can now be unplugged"), CLOCK.instant(), width, height, "").stream().map(AttributedString::toString).toList();
    }

    @Test
    void at80By24EveryRowFitsOnOneLineWithTheUnplugAndFailedCuesAndAShortenedReason() {
        Recorder recorder = new Recorder();
        eightBoards(recorder);

        List<String> screen = screen(recorder, recorder, 80, 24);

        assertTrue(screen.size() <= 24, String.join("\n", screen));
        screen.forEach(line -> assertTrue(line.length() < 80, "wider than 79 columns: " + line));
        String done = row(screen, serial(1));
        assertTrue(done.matches("UNPLUG +1 +1 +003C00473430511536383601 +100% +MAC 04:D9:21:38:30:A8"), done);
        String failed = row(screen, serial(2));
        assertTrue(failed.matches("FAILED +2 +2 +003C00473430511536383602 +40% +Error: Data mismatch .*…"), failed);
        assertTrue(row(screen, serial(3)).matches("flashing +3 +3 +003C00473430511536383603 +52%"), row(screen, serial(3)));
        assertTrue(row(screen, serial(8)).matches("detected +8 +8 +003C00473430511536383608 +0%"), row(screen, serial(8)));
        assertTrue(screen.get(0).contains("UNPLUG 2") && screen.get(0).contains("FAILED 1"), screen.get(0));
        // Messages below the table wrap instead of being cut: the whole text is readable there.
        assertTrue(String.join(" ", screen.subList(screen.size() - 2, screen.size())).contains("it can now be unplugged"),
                String.join("\n", screen));
    }

    @Test
    void aWideTerminalAlsoShowsTheProgressBarMacElapsedAndOrderAndMoreOfTheReason() {
        Recorder recorder = new Recorder();
        eightBoards(recorder);

        List<String> screen = screen(recorder, recorder, 200, 50);

        assertTrue(screen.get(1).matches("STATE +SLOT +ORDER +SERIAL +PROGRESS +MAC +ELAPSED +NOTE"), screen.get(1));
        assertTrue(row(screen, serial(3)).matches("flashing +3 +3 +003C00473430511536383603 +█████░░░░░ +52% +0ms"), row(screen, serial(3)));
        assertTrue(row(screen, serial(1)).contains("04:D9:21:38:30:A8"), row(screen, serial(1)));
        assertTrue(row(screen, serial(2)).contains(LONG_FAILURE.substring(0, 100)), row(screen, serial(2)));
    }

    @Test
    void withMoreBoardsThanRowsUnpluggedBoardsFoldAwayFirstAndTheSummarySaysHowManyAreHidden() {
        Recorder recorder = new Recorder();
        for (int i = 1; i <= 30; i++) {
            boardIn(recorder, serial(i), "", i);
        }
        for (int i = 0; i < 12; i++) {
            jobs.get(i).done(String.format("04:D9:21:38:30:%02X", i));
            jobs.get(i).removed();
        }
        jobs.get(29).fail(FailureReason.FAILURE_REASON_TIMEOUT, "no answer");
        jobs.get(28).done("04:D9:21:38:31:00");

        List<String> screen = screen(recorder, recorder, 80, 24);

        assertEquals(24, screen.size(), String.join("\n", screen));
        // 24 rows: summary, header, a blank line and two for messages leave 19 for boards; 18 are on the hub.
        assertTrue(screen.get(0).contains("11 hidden"), screen.get(0));
        for (int i = 13; i <= 30; i++) {
            String onHub = serial(i);
            assertTrue(screen.stream().anyMatch(l -> l.contains(onHub)), "board " + i + " on the hub is not shown");
        }
        assertTrue(row(screen, serial(29)).startsWith("UNPLUG "), row(screen, serial(29)));
        assertTrue(row(screen, serial(30)).startsWith("FAILED "), row(screen, serial(30)));
        // The one unplugged board that still fits is the most recently unplugged, below the boards on the hub.
        assertTrue(screen.get(20).startsWith("unplugged") && screen.get(20).contains(serial(12)), screen.get(20));
    }

    @Test
    void withoutATerminalTheTableIsPrintedAsPlainTextWithoutEscapes() {
        TableOutput table = new TableOutput(new PrintStream(printed, true, StandardCharsets.UTF_8), CLOCK);
        boardIn(table, "003C00473430511536383630", "3", 7).done("04:D9:21:38:30:A8");
        table.close();

        String text = printed.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\u001b"), text);
        String row = row(text.substring(text.lastIndexOf("STATE")).lines().toList(), "003C00473430511536383630");
        assertTrue(row.matches("UNPLUG +3 +7 +003C00473430511536383630 +█+ +100% +04:D9:21:38:30:A8 +0ms"), row);
    }

    @Test
    void aBoardsLabelLeadsItsNoteAndOneWaitingForThePrinterIsCountedInTheSummary() {
        Recorder recorder = new Recorder();
        eightBoards(recorder);
        recorder.label(new LabelNotice(serial(1), "04:D9:21:38:30:A8", LabelNotice.State.PRINTED, ""));
        recorder.label(new LabelNotice(serial(4), "04:D9:21:38:30:A9", LabelNotice.State.QUEUED, "the printer tcp://zebra:9100 is away"));

        List<String> screen = screen(recorder, recorder, 80, 24);

        screen.forEach(line -> assertTrue(line.length() < 80, "wider than 79 columns: " + line));
        // At 80 columns the label's state takes the note: the MAC is on the label, and in the messages below.
        assertTrue(row(screen, serial(1)).matches("UNPLUG +1 +1 +003C00473430511536383601 +100% +label printed"), row(screen, serial(1)));
        assertTrue(row(screen, serial(4)).matches("UNPLUG +4 +4 +003C00473430511536383604 +100% +label queued"), row(screen, serial(4)));
        // With room for the MAC column, the note is the label's alone.
        assertTrue(row(screen(recorder, recorder, 200, 50), serial(1)).matches(".* 04:D9:21:38:30:A8 +0ms +label printed"),
                row(screen(recorder, recorder, 200, 50), serial(1)));

        TableOutput table = new TableOutput(new PrintStream(printed, true, StandardCharsets.UTF_8), CLOCK);
        boardIn(table, "003C00473430511536383630", "3", 7).done("04:D9:21:38:30:A8");
        table.label(new LabelNotice("003C00473430511536383630", "04:D9:21:38:30:A8", LabelNotice.State.QUEUED,
                "the printer tcp://zebra:9100 is away"));
        table.close();
        String text = printed.toString(StandardCharsets.UTF_8);
        String last = text.substring(text.lastIndexOf("FlashRig"));
        assertTrue(last.lines().findFirst().orElseThrow().endsWith("· 1 label not printed"), last);
        assertTrue(last.contains("Board 003C00473430511536383630: label queued (the printer tcp://zebra:9100 is away)"), last);
    }

    private static String row(List<String> screen, String serial) {
        return screen.stream().filter(l -> l.contains(serial)).findFirst().orElseThrow(() -> new AssertionError(serial
                + " is not on the screen:\n" + String.join("\n", screen))).stripTrailing();
    }

    /** The table's rows, folded from events exactly as the table folds them, without drawing. */
    private static final class Recorder implements OperatorOutput {
        private final java.util.Map<String, BoardRow> rows = new java.util.LinkedHashMap<>();

        @Override
        public void show(BoardEvent e) {
            Instant at = CLOCK.instant();
            rows.put(e.getSerial(), rows.containsKey(e.getSerial()) && !e.hasDetected() ? rows.get(e.getSerial()).after(e, at)
                    : BoardRow.detected(e, at));
        }

        @Override
        public void label(LabelNotice n) {
            rows.computeIfPresent(n.serial(), (serial, row) -> row.withLabel(n));
        }

        java.util.Collection<BoardRow> rows() {
            return rows.values();
        }

        @Override
        public void close() {
        }
    }
}
