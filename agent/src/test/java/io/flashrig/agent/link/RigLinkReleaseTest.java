package io.flashrig.agent.link;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.agent.Eventually;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.ReleasePin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pin set on the server reaches a running agent with its next heartbeat, and so does its removal. */
class RigLinkReleaseTest {

    @TempDir
    Path dir;

    @Test
    void aNewPinReachesTheRunningAgentWithTheNextHeartbeat() throws Exception {
        TestRigServer server = new TestRigServer().heartbeat(Duration.ofMillis(200)).start();
        ReleasePin first = ReleasePin.newBuilder().setReleaseName("hub3-v1").setManifestSha256("a".repeat(64)).build();
        ReleasePin second = ReleasePin.newBuilder().setReleaseName("hub3-v2").setManifestSha256("b".repeat(64)).build();
        server.releasePin(first);
        AtomicReference<Optional<ReleasePin>> told = new AtomicReference<>();
        EventQueue queue = EventQueue.open(dir, 100);
        try (RigChannel channel = new RigChannel(ServerAddress.parse(server.url()), TestRigServer.TOKEN);
                RigLink link = new RigLink(channel, queue, OpenSessionRequest.getDefaultInstance(), Duration.ofMillis(50), Duration.ofMillis(400))) {
            link.onRelease(told::set);
            link.start();
            await("the session tells the pin").atMost(Eventually.LIMIT).until(() -> told.get() != null && told.get().equals(Optional.of(first)));
            int sessions = server.sessionsOpened();

            server.releasePin(second);
            await("a heartbeat tells the new pin").atMost(Eventually.LIMIT).until(() -> told.get().equals(Optional.of(second)));
            server.releasePin(null);
            await("a heartbeat tells that the pin is gone").atMost(Eventually.LIMIT).until(() -> told.get().isEmpty());
            assertEquals(sessions, server.sessionsOpened(), "learnt on the open stream, without a new session");
        } finally {
            server.stop();
        }
    }
}
