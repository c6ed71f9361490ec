package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rigs on a shared factory network: the packaged server serving REST and gRPC only over TLS with Quarkus' standard
 * settings and a certificate from a factory CA the test makes, and the packaged agent trusting that CA by --ca-file.
 */
class TlsIT {

    private static final Duration DOCTOR = Duration.ofSeconds(90);

    private static Testbed bed;

    @BeforeAll
    static void startTlsOnlyServer() {
        bed = Testbed.startTls("tls");
    }

    @AfterAll
    static void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aBoardIsFlashedAndFusedOverTlsWithTheFactoryCa() {
        String caFile = bed.ca().caCertificate().toString();
        AgentProcess.Settings rig = bed.rig("rig-tls").withOptions("--ca-file", caFile);
        assertTrue(rig.serverUrl().startsWith("https://localhost:"), rig.serverUrl());

        AgentProcess.Outcome doctor = AgentProcess.doctor(rig, "doctor-tls", DOCTOR);
        assertTrue(doctor.stdout().contains("OK   server " + rig.serverUrl() + " accepts the token: rig rig-tls"), doctor.toString());

        AgentProcess agent = bed.startAgent(rig, "agent-tls", s -> s);
        String serial = bed.plug(1, 500).get(0);
        agent.awaitEnded(serial, Duration.ofSeconds(120));
        Invariants.assertEveryEventStoredOnce(bed.database(), "rig-tls", List.of(agent), true);
        Invariants.assertFlashedOnceAndFused(bed.server().admin(), serial);
    }

    @Test
    void anAgentWithoutTheFactoryCaSaysTheCertificateIsNotTrustedAndWhatToDo() {
        AgentProcess.Settings rig = bed.rig("rig-untrusting");
        String expected = "the server's TLS certificate is not trusted";

        AgentProcess.Outcome doctor = AgentProcess.doctor(rig, "doctor-untrusting", DOCTOR);
        assertEquals(5, doctor.exitCode(), doctor.toString());
        assertTrue(doctor.stdout().contains("FAIL server " + rig.serverUrl() + ": " + expected), doctor.toString());
        assertTrue(doctor.stdout().contains("give that CA with --ca-file FILE"), doctor.toString());

        // With the CA, a certificate that does not name the host the agent was given is refused all the same: the
        // server's certificate names localhost and 127.0.0.1, and 127.0.0.2 reaches the same server.
        String otherName = "https://127.0.0.2:" + bed.server().tlsPort();
        AgentProcess.Settings wrongName = new AgentProcess.Settings(otherName, rig.token(), rig.hub(), rig.stateDir(), rig.programmer(),
                rig.parallel(), List.of("--ca-file", bed.ca().caCertificate().toString()), rig.output());
        AgentProcess.Outcome misnamed = AgentProcess.doctor(wrongName, "doctor-wrong-name", DOCTOR);
        assertEquals(5, misnamed.exitCode(), misnamed.toString());
        assertTrue(misnamed.stdout().contains("FAIL server " + otherName + ": the server's TLS certificate does not name the host"),
                misnamed.toString());

        // The rig's service keeps running and keeps its queue, but says why nothing gets through.
        AgentProcess agent = bed.startAgent(rig, "agent-untrusting", s -> s);
        Await.until(Duration.ofSeconds(60), "the agent to say the server's certificate is not trusted", () -> agent.logged(expected),
                agent::diagnostics);
        assertTrue(agent.alive(), agent.diagnostics());
    }

    @Test
    void plaintextNeverReachesTheTlsOnlyServer() throws Exception {
        AgentProcess.Settings tls = bed.rig("rig-plain");

        // The plaintext port is not opened at all.
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://localhost:" + bed.server().port() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(10)).build();
        assertThrows(ConnectException.class, () -> plain.send(health, HttpResponse.BodyHandlers.discarding()));

        // h2c to the TLS port: the agent allows plaintext on this computer, the server does not speak it.
        AgentProcess.Settings h2c = new AgentProcess.Settings("http://localhost:" + bed.server().tlsPort(), tls.token(), tls.hub(),
                tls.stateDir(), tls.programmer(), tls.parallel(), List.of(), tls.output());
        AgentProcess.Outcome refused = AgentProcess.doctor(h2c, "doctor-h2c", DOCTOR);
        assertEquals(5, refused.exitCode(), refused.toString());
        assertTrue(refused.stdout().contains("FAIL server http://localhost:" + bed.server().tlsPort() + ": UNAVAILABLE"), refused.toString());

        // Plaintext to another computer is refused by the agent itself, before it connects anywhere: 192.0.2.1 is a
        // documentation address that no one answers on, so a connection attempt would end in a timeout, not exit 2.
        AgentProcess.Settings remote = new AgentProcess.Settings("http://192.0.2.1:" + bed.server().tlsPort(), tls.token(), tls.hub(),
                tls.stateDir(), tls.programmer(), tls.parallel(), List.of(), tls.output());
        AgentProcess.Outcome unsafe = AgentProcess.doctor(remote, "doctor-remote-plaintext", DOCTOR);
        assertEquals(2, unsafe.exitCode(), unsafe.toString());
        assertEquals("FAIL refusing to send the rig token in plaintext to http://192.0.2.1:" + bed.server().tlsPort()
                + ": use an https:// server URL (with --ca-file FILE for a factory CA), or --insecure if this network is trusted",
                unsafe.stdout().strip());
    }
}
