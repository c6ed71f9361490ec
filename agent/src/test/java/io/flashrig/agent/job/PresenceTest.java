package io.flashrig.agent.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.Slot;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PresenceTest {

    private static final String SERIAL = "003C00473430511536383630";

    @Test
    void aSerialReportedByTwoDevicesIsShared() {
        try (Presence presence = new Presence(Duration.ofSeconds(3), job -> { })) {
            assertFalse(presence.arrived(SERIAL, "1-1.1"));
            assertFalse(presence.arrived(SERIAL, "1-1.1"), "the same device seen again is no second board");
            assertTrue(presence.arrived(SERIAL, "1-1.2"));
        }
    }

    @Test
    void aBoardIsOffTheBusOnlyWhenItsLastDeviceLeft() {
        try (Presence presence = new Presence(Duration.ofSeconds(3), job -> { })) {
            presence.arrived(SERIAL, "1-1.1");
            presence.arrived(SERIAL, "1-1.2");
            assertFalse(presence.left(SERIAL, "1-1.1"), "another device still reports the serial");
            assertEquals(Set.of(SERIAL), presence.serials());
            assertTrue(presence.left(SERIAL, "1-1.2"));
            assertEquals(Set.of(), presence.serials());
            assertFalse(presence.left(SERIAL, "1-1.2"), "a departure whose arrival was never seen undoes nothing");
        }
    }

    @Test
    void aJobWhoseBoardStaysAwayIsToldSoAndReportedOver() throws Exception {
        CompletableFuture<FlashJob> over = new CompletableFuture<>();
        try (Presence presence = new Presence(Duration.ofMillis(1), over::complete)) {
            FlashJob job = new FlashJob(SERIAL, Slot.getDefaultInstance(), 0xDF11, "DFU in HS Mode", Clock.systemUTC(), e -> { });
            job.detected();
            job.detached();
            presence.judgeAbsenceLater(job);
            assertSame(job, over.get(30, TimeUnit.SECONDS));
            assertEquals(FlashJobState.FLASH_JOB_STATE_INTERRUPTED, job.state());
        }
    }
}
