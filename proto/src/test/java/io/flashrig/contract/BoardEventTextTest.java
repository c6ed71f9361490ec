package io.flashrig.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.Slot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoardEventTextTest {

    private static final String DIRTY = "bad\u0000\u001B[31m text";

    private static BoardEvent failed(String serial, String message, List<String> tail) {
        return BoardEvent.newBuilder().setSerial(serial).setEventId("e").setAttemptId("a")
                .setSlot(Slot.newBuilder().setPortPath(DIRTY).setLabel("slot 1"))
                .setFailed(BoardFailed.newBuilder().setMessage(message).addAllProgrammerOutputTail(tail)).build();
    }

    @Test
    void aCleanEventIsTheVerySameObject() {
        BoardEvent clean = BoardEvent.newBuilder().setSerial("SN1").setSlot(Slot.newBuilder().setPortPath("1-2"))
                .setFlashStarted(FlashStarted.newBuilder().setLayoutName("layout").setLogPath("/tmp/x.log"))
                .build();
        assertSame(clean, BoardEventText.clean(clean, BoardEventText.Serial.LEAVE));
    }

    @Test
    void everyFreeTextFieldIsCleanedAndClippedButIdsAreNot() {
        List<String> tail = new ArrayList<>();
        for (int i = 0; i < EventText.OUTPUT_TAIL_LINES + 5; i++) {
            tail.add("line " + i + "\u0007");
        }
        BoardEvent event = failed(DIRTY, "x".repeat(EventText.MESSAGE + 10), tail);
        BoardEvent cleaned = BoardEventText.clean(event, BoardEventText.Serial.LEAVE);
        assertNotSame(event, cleaned);
        assertEquals("bad text", cleaned.getSlot().getPortPath());
        assertEquals("slot 1", cleaned.getSlot().getLabel());
        assertEquals(EventText.MESSAGE, cleaned.getFailed().getMessage().length());
        assertTrue(cleaned.getFailed().getMessage().endsWith(EventText.CLIPPED));
        assertEquals(EventText.cleanTail(tail, EventText.OUTPUT_TAIL_LINES, EventText.OUTPUT_LINE),
                cleaned.getFailed().getProgrammerOutputTailList());
        // The server validates the serial rather than clean it: a damaged one must be refused, not become another.
        assertEquals(DIRTY, cleaned.getSerial());
        assertEquals("e", cleaned.getEventId());
    }

    @Test
    void theAgentCleansTheSerialTooAndBothFormsAgree() {
        BoardEvent event = failed(DIRTY, DIRTY, List.of(DIRTY));
        BoardEvent.Builder inPlace = event.toBuilder();
        assertSame(inPlace, BoardEventText.clean(inPlace, BoardEventText.Serial.CLEAN));
        assertEquals("bad text", inPlace.getSerial());
        assertEquals(BoardEventText.clean(event, BoardEventText.Serial.CLEAN), inPlace.build());
        assertEquals(List.of("bad text"), inPlace.getFailed().getProgrammerOutputTailList());
    }
}
