package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardInterrupted;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EventFitTest {

    private static final int DEFAULT_BUDGET = RigLink.DEFAULT_MAX_REQUEST_BYTES - RigLink.REQUEST_MARGIN - 40;

    private static BoardEvent failed(long sequence, String line, int lines) {
        return BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSequence(sequence).setSerial("003C00473430511536383630")
                .setFailed(BoardFailed.newBuilder().setMessage("Error: Start operation failed at partition 0x01")
                        .addAllProgrammerOutputTail(IntStream.range(0, lines).mapToObj(i -> i + " " + line).toList())).build();
    }

    @Test
    void aBacklogOfLongFailuresIsSentInBatchesBelowTheDefaultLimit() {
        // Four boards' worth of 20-line tails of 5 KB lines, as queued by an agent that did not clean them yet.
        List<BoardEvent> backlog = IntStream.rangeClosed(1, 100).mapToObj(i -> failed(i, "y".repeat(5_000), 20)).toList();
        List<BoardEvent> batch = EventFit.batch(backlog, DEFAULT_BUDGET);
        int bytes = batch.stream().mapToInt(EventFit::sizeInRequest).sum();
        assertTrue(bytes <= DEFAULT_BUDGET, bytes + " bytes");
        assertTrue(batch.size() > 1, "more than one event per request when they fit: " + batch.size());
        assertEquals(backlog.subList(0, batch.size()).stream().map(BoardEvent::getEventId).toList(),
                batch.stream().map(BoardEvent::getEventId).toList(), "a prefix, in order");
    }

    @Test
    void anEventThatFitsIsSentAsItIs() {
        BoardEvent small = failed(1, "ok", 3);
        assertSame(small, EventFit.fit(small, DEFAULT_BUDGET));
    }

    @Test
    void anEventTooLargeAloneLosesItsOldestLinesThenItsMessageAndSaysSo() {
        BoardEvent huge = failed(7, "z".repeat(400), 20).toBuilder()
                .setFailed(failed(7, "z".repeat(400), 20).getFailed().toBuilder().setMessage("m".repeat(5_000))).build();
        BoardEvent fitted = EventFit.fit(huge, 3_000);
        assertTrue(EventFit.sizeInRequest(fitted) <= 3_000, EventFit.sizeInRequest(fitted) + " bytes");
        List<String> tail = fitted.getFailed().getProgrammerOutputTailList();
        assertTrue(tail.get(0).startsWith(EventText.CLIPPED + " (") && tail.get(0).contains("left out"), tail.get(0));
        assertEquals("19 " + "z".repeat(400), tail.get(tail.size() - 1), "the newest line stays");
        assertEquals(huge.getEventId(), fitted.getEventId());
        assertEquals(huge.getSequence(), fitted.getSequence());

        BoardEvent tiny = EventFit.fit(huge, 600);
        assertTrue(EventFit.sizeInRequest(tiny) <= 600, EventFit.sizeInRequest(tiny) + " bytes");
        assertTrue(tiny.getFailed().getMessage().endsWith(EventText.CLIPPED), "the message is clipped when the tail is not enough");

        BoardEvent interrupted = BoardEvent.newBuilder().setSequence(8).setInterrupted(BoardInterrupted.newBuilder()
                .addAllProgrammerOutputTail(IntStream.range(0, 20).mapToObj(i -> "w".repeat(490)).toList())).build();
        assertTrue(EventFit.sizeInRequest(EventFit.fit(interrupted, 2_000)) <= 2_000);
    }
}
