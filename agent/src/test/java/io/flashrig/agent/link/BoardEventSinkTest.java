package io.flashrig.agent.link;

import static io.flashrig.agent.link.EventQueueTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.proto.rig.v1.BoardEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoardEventSinkTest {

    @TempDir
    Path dir;

    @Test
    void everyEventIsQueuedForTheServerAndShownToTheOperatorInOrder() throws Exception {
        List<String> shown = new ArrayList<>();
        try (EventQueue queue = EventQueue.open(dir, 100)) {
            BoardEventSink sink = new BoardEventSink(queue, e -> shown.add(e.getEventId()));
            sink.accept(event("a"));
            sink.accept(event("b"));
            assertEquals(List.of("a", "b"), queue.after(0, 10).stream().map(BoardEvent::getEventId).toList());
        }
        assertEquals(List.of("a", "b"), shown);
    }

    @Test
    void theOperatorStillSeesAnEventTheDiskRefused() throws Exception {
        List<String> shown = new ArrayList<>();
        EventQueue queue = EventQueue.open(dir, 100);
        queue.close();
        new BoardEventSink(queue, e -> shown.add(e.getEventId())).accept(event("a"));
        assertEquals(List.of("a"), shown, "the board goes on; only the server's copy is lost");
    }
}
