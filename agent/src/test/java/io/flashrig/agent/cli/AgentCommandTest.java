package io.flashrig.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

@QuarkusMainTest
class AgentCommandTest {

    @Test
    @Launch("--version")
    void versionNamesTheProgramAndTheBuildVersion(LaunchResult result) {
        assertEquals(0, result.exitCode());
        assertTrue(result.getOutput().matches("(?s).*flashrig-agent \\d+\\.\\d+\\.\\d+.*"), result.getOutput());
    }

    @Test
    @Launch("--help")
    void helpDescribesTheAgent(LaunchResult result) {
        assertEquals(0, result.exitCode());
        assertTrue(result.getOutput().contains("Usage: flashrig-agent"), result.getOutput());
    }

    @Test
    @Launch(value = {"run", "--help"})
    void runHelpListsItsOptionsAndExitCodes(LaunchResult result) {
        assertEquals(0, result.exitCode());
        for (String option : new String[] {"--server", "--token", "--layout", "--programmer", "--watch", "--parallel", "--flash-timeout",
                "--no-fuse", "--state-dir", "--ca-file", "--insecure", "--output", "--slot-map", "Exit codes:", "3  flash layout unreadable"}) {
            assertTrue(result.getOutput().contains(option), option + " missing from:\n" + result.getOutput());
        }
    }

    @Test
    @Launch(value = {"run", "--server", "http://127.0.0.1:1", "--token", "t", "--layout", "/nonexistent/FlashLayout.tsv"}, exitCode = ExitCodes.LAYOUT)
    void runRefusesAnUnreadableLayoutInOneLine(LaunchResult result) {
        String err = result.getErrorOutput().strip();
        assertTrue(err.startsWith("flashrig-agent: cannot read the flash layout /nonexistent/FlashLayout.tsv"), err);
        assertEquals(1, err.lines().count(), err);
    }

    @Test
    @Launch(value = {"run", "--server", "http://127.0.0.1:1", "--token", "t", "--layout", "x.tsv", "--flash-timeout", "soon"}, exitCode = ExitCodes.USAGE)
    void runRefusesABadDurationInOneLine(LaunchResult result) {
        assertEquals("flashrig-agent: --flash-timeout: 'soon' is not a positive duration (write e.g. 90s, 10m, 1h)", result.getErrorOutput().strip());
    }

    @Test
    @Launch(value = {"run", "--server", "ftp://rig", "--token", "t", "--layout", "x.tsv"}, exitCode = ExitCodes.USAGE)
    void runRefusesAServerUrlThatIsNotHttp(LaunchResult result) {
        assertTrue(result.getErrorOutput().strip().startsWith("flashrig-agent: 'ftp://rig' is not a server URL"), result.getErrorOutput());
    }

    @Test
    @Launch(value = {"run", "--parallel", "zero"}, exitCode = ExitCodes.USAGE)
    void aBadOptionIsOneLineAndExitCodeTwo(LaunchResult result) {
        assertEquals("flashrig-agent: Invalid value for option '--parallel': 'zero' is not an int"
                + " (see 'flashrig-agent run --help')", result.getErrorOutput().strip());
    }

    @Test
    @Launch(value = {"run", "--server", "http://192.0.2.1:8080", "--token", "t", "--layout", "x.tsv"}, exitCode = ExitCodes.USAGE)
    void runRefusesPlaintextToAnotherComputerInOneSentence(LaunchResult result) {
        assertEquals("flashrig-agent: refusing to send the rig token in plaintext to http://192.0.2.1:8080: use an https:// server URL"
                + " (with --ca-file FILE for a factory CA), or --insecure if this network is trusted", result.getErrorOutput().strip());
    }

    @Test
    @Launch(value = {"run", "--server", "http://192.0.2.1:8080", "--insecure", "--token", "t", "--layout", "/nonexistent/FlashLayout.tsv"},
            exitCode = ExitCodes.LAYOUT)
    void runWithInsecureGoesOnPastThePlaintextCheckAndWarns(LaunchResult result) {
        assertTrue(result.getErrorOutput().contains("in plaintext (--insecure)"), result.getErrorOutput());
    }

    @Test
    @Launch(value = {"doctor", "--server", "http://192.0.2.1:8080", "--token", "t"}, exitCode = ExitCodes.USAGE)
    void doctorRefusesPlaintextToAnotherComputerBeforeAnyCheck(LaunchResult result) {
        assertEquals("FAIL refusing to send the rig token in plaintext to http://192.0.2.1:8080: use an https:// server URL"
                + " (with --ca-file FILE for a factory CA), or --insecure if this network is trusted", result.getOutput().strip());
    }

    @Test
    @Launch(value = {"run", "--server", "https://flashrig.example", "--ca-file", "/nonexistent/factory-ca.pem", "--token", "t", "--layout", "x.tsv"},
            exitCode = ExitCodes.USAGE)
    void runRefusesACaFileItCannotReadInOneLine(LaunchResult result) {
        String err = result.getErrorOutput().strip();
        assertTrue(err.startsWith("flashrig-agent: the CA file /nonexistent/factory-ca.pem cannot be read"), err);
        assertEquals(1, err.lines().count(), err);
    }
}
