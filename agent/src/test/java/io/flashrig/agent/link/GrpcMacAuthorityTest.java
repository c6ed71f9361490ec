package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.job.MacAuthority;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the agent reads the server's answers to AssignMac: what makes a board wait, and what the operator is told. */
class GrpcMacAuthorityTest {

    private TestRigServer server;
    private RigChannel channel;
    private GrpcMacAuthority macs;

    @BeforeEach
    void setUp() throws Exception {
        server = new TestRigServer().start();
        channel = new RigChannel(ServerAddress.parse(server.url()), TestRigServer.TOKEN);
        macs = new GrpcMacAuthority(channel, Duration.ofSeconds(5));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close();
        server.stop();
    }

    @Test
    void aRigPastItsQuotaWaitsAndIsToldWhyNotThatThePoolIsEmpty() {
        BoardSerial serial = BoardSerial.parse("003C00473430511536383601");
        server.quotaUsedUp(true);

        MacAuthority.Answer<MacAddress> refused = macs.assign(serial, UUID.randomUUID().toString());

        // Unreachable, not Refused: the board waits in WAITING_FOR_MAC and asks again, nothing fails.
        String message = assertInstanceOf(MacAuthority.Unreachable.class, refused).message();
        assertTrue(message.contains("quota of new MACs"), message);
        assertTrue(message.contains("an admin raises"), message);

        server.quotaUsedUp(false);
        MacAuthority.Answer<MacAddress> granted = macs.assign(serial, UUID.randomUUID().toString());
        assertEquals(server.assigned().get(serial.value()), assertInstanceOf(MacAuthority.Granted.class, granted).value());
    }
}
