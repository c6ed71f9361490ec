package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.WaitingForMac;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RigLinkTest {

    @TempDir
    Path dir;

    private static BoardEvent event(int n) {
        return BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSerial("003C00473430511536383630")
                .setWaitingForMac(WaitingForMac.newBuilder().setMessage("event " + n)).build();
    }

    @Test
    void eventsQueuedWhileTheServerIsDownArriveOnceAfterItReturns() throws Exception {
        TestRigServer server = new TestRigServer().start();
        EventQueue queue = EventQueue.open(dir, 1000);
        try (RigChannel channel = new RigChannel(ServerAddress.parse(server.url()), TestRigServer.TOKEN);
                RigLink link = new RigLink(channel, queue, OpenSessionRequest.getDefaultInstance(), Duration.ofMillis(100), Duration.ofMillis(400))) {
            link.start();
            for (int i = 0; i < 7; i++) {
                queue.append(event(i));
            }
            Awaits.until(() -> queue.size() == 0, "the first events are acknowledged");
            server.stop();
            for (int i = 7; i < 30; i++) {
                queue.append(event(i));
            }
            Thread.sleep(500);
            assertEquals(23, queue.size(), "nothing is dropped while the server is away");
            server.start();
            Awaits.until(() -> queue.size() == 0, "the queued events are delivered after the server returns");
        }
        List<String> messages = server.events().stream().map(e -> e.getWaitingForMac().getMessage()).toList();
        assertEquals(IntStream.range(0, 30).mapToObj(i -> "event " + i).toList(), messages, "every event once, in order");
        assertEquals(List.of(), queue.after(0, 100));
        server.stop();
    }

    @Test
    void aRefusedTokenKeepsEverythingQueued() throws Exception {
        TestRigServer server = new TestRigServer().start();
        EventQueue queue = EventQueue.open(dir, 1000);
        queue.append(event(1));
        try (RigChannel channel = new RigChannel(ServerAddress.parse(server.url()), "wrong");
                RigLink link = new RigLink(channel, queue, OpenSessionRequest.getDefaultInstance(), Duration.ofMillis(100), Duration.ofMillis(400))) {
            link.start();
            Awaits.until(() -> !link.status().problem().equals("connecting"), "the refusal is seen");
            assertEquals("UNAUTHENTICATED: the token is unknown", link.status().problem());
        }
        assertEquals(1, queue.size());
        server.stop();
    }
}
