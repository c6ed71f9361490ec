package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.WaitingForMac;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventQueueTest {

    @TempDir
    Path dir;

    private static BoardEvent event(String id) {
        return BoardEvent.newBuilder().setEventId(id).setSerial("003C00473430511536383630")
                .setWaitingForMac(WaitingForMac.newBuilder().setMessage("server away")).build();
    }

    @Test
    void survivesAnAbruptStopWithItsIdAndSequences() throws Exception {
        EventQueue first = EventQueue.open(dir, 100);
        assertEquals(1, first.append(event("a")));
        assertEquals(2, first.append(event("b")));
        assertEquals(3, first.append(event("c")));
        first.acknowledge(1);
        // No close(): as after kill -9, only what append made durable counts.
        EventQueue second = EventQueue.open(dir, 100);
        assertEquals(first.queueId(), second.queueId());
        assertEquals(List.of("b", "c"), second.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        assertEquals(4, second.append(event("d")));
        assertEquals(List.of(3L, 4L), second.after(2, 10).stream().map(BoardEvent::getSequence).toList());
        assertEquals(List.of(2L), second.after(0, 1).stream().map(BoardEvent::getSequence).toList(), "batches are bounded");
    }

    @Test
    void aRecordTornByPowerLossIsCutOffAndNothingElseIsLost() throws Exception {
        EventQueue first = EventQueue.open(dir, 100);
        first.append(event("a"));
        first.append(event("b"));
        byte[] torn = {0, 0, 0, 40, 1, 2, 3, 4, 9, 9};
        Files.write(dir.resolve("events.log"), torn, StandardOpenOption.APPEND);
        EventQueue second = EventQueue.open(dir, 100);
        assertEquals(List.of("a", "b"), second.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        assertEquals(3, second.append(event("c")));
        assertEquals(List.of("a", "b", "c"), EventQueue.open(dir, 100).after(0, 10).stream().map(BoardEvent::getEventId).toList());
    }

    @Test
    void sequencesNeverRepeatAfterEverythingWasAcknowledged() throws Exception {
        EventQueue first = EventQueue.open(dir, 100);
        first.append(event("a"));
        first.append(event("b"));
        first.acknowledge(99);
        assertEquals(0, first.size());
        assertEquals(2, first.acknowledged(), "never beyond what was queued");
        EventQueue second = EventQueue.open(dir, 100);
        assertEquals(3, second.append(event("c")));
    }

    @Test
    void whenFullOnlyProgressIsLeftOut() throws Exception {
        EventQueue queue = EventQueue.open(dir, 2);
        queue.append(event("a"));
        queue.append(event("b"));
        BoardEvent progress = BoardEvent.newBuilder().setEventId("p").setFlashProgress(FlashProgress.newBuilder().setOverallPercent(50)).build();
        assertEquals(0, queue.append(progress));
        assertEquals(3, queue.append(event("c")));
        assertTrue(queue.after(0, 10).stream().noneMatch(e -> e.getEventId().equals("p")));
    }
}
