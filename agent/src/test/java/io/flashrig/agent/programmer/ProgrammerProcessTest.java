package io.flashrig.agent.programmer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgrammerProcessTest {

    @TempDir
    Path dir;

    @Test
    void aTimeoutKillsTheProcessAndItsDescendants() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        List<String> lines = new CopyOnWriteArrayList<>();
        // The child sleeps in the background, the way a hung tool may wait inside a helper process.
        ProgrammerRun run = new ProgrammerProcess(Map.of("PID_FILE", pidFile.toString())).run(
                List.of("sh", "-c", "sleep 600 & echo $! > \"$PID_FILE\"; echo started; wait"),
                Duration.ofSeconds(2), "never", dir.resolve("log.txt"), lines::add);
        assertTrue(run.timedOut());
        assertFalse(run.succeeded());
        assertTrue(run.failureMessage().contains("was killed"), run.failureMessage());
        assertEquals(List.of("started"), lines);
        long child = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle.of(child).ifPresent(h -> h.onExit().join());
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the background child must be gone");
        String log = Files.readString(dir.resolve("log.txt"));
        assertTrue(log.contains("started") && log.contains("(timeout)"), log);
    }

    @Test
    void passesExtraEnvironmentAndReportsExitStatusAndErrors() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgrammerRun run = new ProgrammerProcess(Map.of("GREETING", "hello")).run(
                List.of("sh", "-c", "printf '%s\\r50%%\\rError: Target device not found.\\nFlashing service completed successfully\\n' \"$GREETING\""),
                Duration.ofSeconds(30), Programmer.FLASH_SUCCESS_LINE, dir.resolve("log.txt"), lines::add);
        assertEquals(List.of("hello", "50%", "Error: Target device not found.", "Flashing service completed successfully"), lines);
        assertEquals(0, run.exitCode());
        assertTrue(run.sawSuccessLine());
        assertFalse(run.succeeded(), "exit 0 with an Error: line is a failure");
        assertEquals("Error: Target device not found.", run.failureMessage());
    }

    @Test
    void aMissingExecutableIsReportedNotThrown() throws Exception {
        ProgrammerRun run = new ProgrammerProcess(Map.of()).run(List.of(dir.resolve("absent").toString()),
                Duration.ofSeconds(5), "x", dir.resolve("log.txt"), line -> { });
        assertTrue(run.startFailure().isPresent());
        assertFalse(run.succeeded());
    }

    @Test
    void aProgrammerRepeatingAnErrorKeepsOnlyTheFirstOnes() throws Exception {
        ProgrammerRun run = new ProgrammerProcess(Map.of()).run(
                List.of("sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo 'Error: Target device not found.'; i=$((i+1)); done"),
                Duration.ofSeconds(30), "never", dir.resolve("log.txt"), line -> { });
        assertFalse(run.succeeded());
        assertEquals("Error: Target device not found.", run.failureMessage());
        assertTrue(run.errors().size() <= ProgrammerRun.TAIL_LINES, "errors kept: " + run.errors().size());
    }
}
