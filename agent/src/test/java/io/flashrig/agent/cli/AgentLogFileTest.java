package io.flashrig.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The launchd service's logging: the agent opens the log file it is given (and rotates it itself). */
@QuarkusMainTest
@TestProfile(AgentLogFileTest.LogFile.class)
class AgentLogFileTest {

    static final Path LOG = Path.of("target", "log-file-test", "agent.log").toAbsolutePath();

    public static class LogFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.file.enabled", "true", "quarkus.log.file.path", LOG.toString());
        }
    }

    @BeforeAll
    static void noLogFileYet() throws IOException {
        Files.deleteIfExists(LOG);
    }

    @Test
    @Launch("--version")
    void theLogFileIsOpenedWhereConfigured(LaunchResult result) {
        assertEquals(0, result.exitCode());
        // Only that it is opened: a launch inside the test JVM keeps the test's log handlers for records, so what
        // lands in the file and its rotation are checked on the packaged agent (README, "Installing a rig").
        assertTrue(Files.exists(LOG), LOG + " was not created");
    }
}
