package io.flashrig.agent.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerProcess;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.Slot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A programmer printing NUL bytes, escape sequences and a line of megabytes: the board's record stays clean and small. */
class CleanAtTheSourceIT {

    private static final String SERIAL = "003C00473430511536383630";
    /** Bigger than any buffer on the way, so that a line held whole would show in the event or the heap. */
    private static final int HUGE_LINE = 3_000_000;

    @TempDir
    Path dir;

    @Test
    void aFailedFlashCarriesCleanBoundedTextWhileItsLogKeepsTheRawBytes() throws Exception {
        Path log = dir.resolve("attempt.log");
        String script = "printf 'Opening\\000 and parsing file\\n';"
                + " printf '\\033[31mError: Start operation failed\\000 at partition 0x01\\033[0m\\n';"
                + " i=0; while [ $i -lt 30 ]; do printf 'line %d \\033]0;title\\007 with \\001\\002 controls\\n' $i; i=$((i+1)); done;"
                + " head -c " + HUGE_LINE + " /dev/zero | tr '\\000' 'x'; printf '\\n'; exit 1";
        ProgrammerRun run = new ProgrammerProcess(Map.of()).run(List.of("sh", "-c", script), Duration.ofSeconds(60),
                Programmer.FLASH_SUCCESS_LINE, log, line -> { });
        assertFalse(run.succeeded());

        List<BoardEvent> events = new ArrayList<>();
        Slot slot = Slot.newBuilder().setPortPath("1-4\u0000.2").setLabel("\u001b[2Jslot 3").setPowerUpOrder(1).build();
        FlashJob job = new FlashJob(SERIAL, slot, 0xdf11, "DFU in HS Mode\u0000\u001b[1m", Clock.systemUTC(), events::add);
        job.detected();
        job.failed(FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, run.failureMessage(), run.tail());

        BoardFailed failed = events.get(1).getFailed();
        assertEquals("Error: Start operation failed at partition 0x01", failed.getMessage(), "the verdict's own words, cleaned");
        assertEquals(EventText.OUTPUT_TAIL_LINES, failed.getProgrammerOutputTailCount());
        String last = failed.getProgrammerOutputTail(EventText.OUTPUT_TAIL_LINES - 1);
        assertEquals(EventText.OUTPUT_LINE, last.length(), "the huge line is clipped to the contract's limit");
        assertTrue(last.endsWith(EventText.CLIPPED), last.substring(last.length() - 10));
        assertEquals("line 29  with  controls", failed.getProgrammerOutputTail(EventText.OUTPUT_TAIL_LINES - 2));
        for (BoardEvent e : events) {
            String text = e.getSlot().getPortPath() + e.getSlot().getLabel() + e.getDetected().getProduct()
                    + e.getFailed().getMessage() + String.join("", e.getFailed().getProgrammerOutputTailList());
            assertTrue(EventText.isPlain(text), text);
        }
        assertEquals("1-4.2", events.get(0).getSlot().getPortPath());
        assertEquals("slot 3", events.get(0).getSlot().getLabel());
        assertEquals("DFU in HS Mode", events.get(0).getDetected().getProduct());
        assertTrue(events.get(1).getSerializedSize() < 20_000, "bounded: " + events.get(1).getSerializedSize() + " bytes");

        byte[] raw = Files.readAllBytes(log);
        assertTrue(raw.length > HUGE_LINE, "the log holds the whole huge line");
        assertTrue(contains(raw, "Opening\u0000 and parsing".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)), "the log keeps the NUL");
        assertTrue(contains(raw, "\u001b[31mError:".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)), "the log keeps the escape");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
