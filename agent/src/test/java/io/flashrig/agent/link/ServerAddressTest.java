package io.flashrig.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Where a rig may send its token: TLS anywhere, plaintext only to this computer or with --insecure. */
class ServerAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080", "http://LOCALHOST:8080", "http://127.0.0.1:8080", "http://127.255.0.9",
            "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]:8080"})
    void plaintextToThisComputerIsAllowed(String url) {
        ServerAddress address = ServerAddress.forRig(url, false);
        assertTrue(address.loopback(), url);
        assertFalse(address.tls());
        assertFalse(address.plaintextOverNetwork(), url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://flashrig.factory.example:8080", "http://10.0.0.5:8080", "http://192.0.2.1", "http://[2001:db8::1]:8080",
            // Names that merely look like this computer.
            "http://localhost.factory.example", "http://127.0.0.1.nip.io", "http://0.0.0.0:8080"})
    void plaintextToAnotherComputerIsRefusedWithWhatToDo(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerAddress.forRig(url, false));
        assertTrue(e.getMessage().startsWith("refusing to send the rig token in plaintext to http://"), e.getMessage());
        assertTrue(e.getMessage().contains("https://") && e.getMessage().contains("--ca-file") && e.getMessage().contains("--insecure"),
                e.getMessage());
        assertFalse(ServerAddress.parse(url).loopback(), url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.1", "http://0x7f.0.0.1", "http://2130706433"})
    void addressFormsOnlySomeResolversReadAsThisComputerAreRefused(String url) {
        assertThrows(IllegalArgumentException.class, () -> ServerAddress.forRig(url, false));
    }

    @Test
    void insecureAllowsPlaintextToAnotherComputer() {
        ServerAddress address = ServerAddress.forRig("http://10.0.0.5:8080", true);
        assertEquals(new ServerAddress("10.0.0.5", 8080, false), address);
        assertTrue(address.plaintextOverNetwork(), "the agent warns about it");
    }

    @Test
    void tlsGoesAnywhere() {
        assertEquals(new ServerAddress("flashrig.factory.example", 443, true), ServerAddress.forRig("https://flashrig.factory.example", false));
    }

    @Test
    void aUrlThatIsNoServerUrlIsRefusedAsSuch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerAddress.forRig("flashrig:8080", true));
        assertTrue(e.getMessage().contains("is not a server URL"), e.getMessage());
    }
}
