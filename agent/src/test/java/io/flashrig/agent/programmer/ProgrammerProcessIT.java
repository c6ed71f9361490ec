package io.flashrig.agent.programmer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgrammerProcessIT {

    /** Generous: a run that is not over by then hangs. */
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @AfterEach
    void killWhatTheScriptsLeftBehind() throws Exception {
        Path leftBehind = dir.resolve("left-behind.pid");
        if (Files.exists(leftBehind)) {
            ProcessHandle.of(Long.parseLong(Files.readString(leftBehind).strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aTimeoutKillsTheProcessAndItsDescendants() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        List<String> lines = new CopyOnWriteArrayList<>();
        // The child sleeps in the background, the way a hung tool may wait inside a helper process.
        ProgrammerRun run = new ProgrammerProcess(Map.of("PID_FILE", pidFile.toString())).run(
                List.of("sh", "-c", "sleep 600 & echo $! > \"$PID_FILE\"; echo started; wait"),
                Duration.ofSeconds(5), "never", dir.resolve("log.txt"), lines::add);
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

    @Test
    void aProgrammerThatExitsLeavingAChildHoldingItsOutputReturnsItsResultAndStopsReading() throws Exception {
        // The programmer is silent for a moment before it exits, as after a long operation: the JDK ends a finished
        // process's output by itself only when no read waits on it.
        LeftBehind run = runLeavingAChild("sleep 600 & echo $! > \"$LEFT_BEHIND\"; echo 'Opening and parsing file: flashlayout.tsv';"
                + " echo 'Error: Start operation failed at partition 0x01' >&2; sleep 1; exit 1", Duration.ofSeconds(30));
        assertFalse(run.run().timedOut());
        assertEquals(1, run.run().exitCode());
        assertEquals("Error: Start operation failed at partition 0x01", run.run().failureMessage());
        assertEquals(List.of("Opening and parsing file: flashlayout.tsv", "Error: Start operation failed at partition 0x01"), run.lines());
        assertTrue(Files.readString(dir.resolve("log.txt")).contains("exit status 1"));
    }

    @Test
    void aTimeoutStopsTheReadingEvenWhenAnOrphanThatIsNoDescendantHoldsTheOutput() throws Exception {
        // The subshell exits at once: its background sleep is re-parented and no longer a descendant to be killed.
        LeftBehind run = runLeavingAChild("(sleep 600 & echo $! > \"$LEFT_BEHIND\"); echo started; sleep 600", Duration.ofSeconds(5));
        assertTrue(run.run().timedOut());
        assertEquals(List.of("started"), run.lines());
    }

    @Test
    void aProgrammerThatEndsWhileASlowListenerIsBehindIsJudgedByItsWholeOutput() throws Exception {
        // More than the pipe into the agent holds, less than all the pipes and the relay together: the programmer
        // writes it all and exits while the listener is held up, with the rest of the output still in the relay.
        int redraws = 2200;
        String script = "echo 'Download in Progress:'; i=0; while [ $i -lt " + redraws + " ]; do"
                + " printf '[=========================                         ] %d%%\\r' $((i % 100)); i=$((i+1)); done;"
                + " echo; echo 'File download complete'; echo 'Flashing service completed successfully'; exit 0";
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgrammerRun run = assertTimeoutPreemptively(LIMIT, () -> new ProgrammerProcess(Map.of()).run(List.of("sh", "-c", script),
                Duration.ofSeconds(30), Programmer.FLASH_SUCCESS_LINE, dir.resolve("log.txt"), line -> {
                    if (lines.isEmpty()) {
                        // Held up like a job transition waiting on a slow disk: far longer than the output may be quiet.
                        try {
                            Thread.sleep(Duration.ofSeconds(4).toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    lines.add(line);
                }));
        assertEquals("Flashing service completed successfully", lines.get(lines.size() - 1));
        assertEquals(redraws, lines.stream().filter(line -> line.startsWith("[=")).count(), "every progress redraw was handed on");
        assertTrue(run.succeeded(), run.failureMessage());
        assertTrue(Files.readString(dir.resolve("log.txt")).contains("Flashing service completed successfully\n\n--- exit status 0"));
    }

    @Test
    void aRelayThatLagsBehindTheProgrammersLastBurstStillPassesItOn() throws Exception {
        // On a loaded machine the relay may get no core for a while. Here it passes nothing on until after the
        // programmer has ended, by which time the reader has waited longer than the grace: the verdict is in what the
        // relay has yet to pass on, so the grace must count from the programmer's end, not from the reader's last byte.
        Duration programmerRuns = ProgrammerProcess.STRAGGLER_GRACE.plusMillis(500);
        Duration relayLags = programmerRuns.plusMillis(500);
        List<String> laggingRelay = List.of("/bin/sh", "-c", "sleep " + seconds(relayLags) + "; exec /bin/cat -u");
        String script = "echo 'Download in Progress:'; sleep " + seconds(programmerRuns) + ";"
                + " echo 'File download complete'; echo 'Flashing service completed successfully'; exit 0";
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgrammerRun run = assertTimeoutPreemptively(LIMIT, () -> new ProgrammerProcess(Map.of(), laggingRelay, ProgrammerProcess.DRAIN).run(
                List.of("sh", "-c", script), Duration.ofSeconds(30), Programmer.FLASH_SUCCESS_LINE, dir.resolve("log.txt"),
                lines::add));
        assertEquals(List.of("Download in Progress:", "File download complete", "Flashing service completed successfully"), lines);
        assertTrue(run.succeeded(), run.failureMessage());
    }

    @Test
    void aListenerHeldUpAtTheLastProgressRedrawStillSeesTheVerdict() throws Exception {
        // A flooded hub: the job transition of a progress redraw waits behind other jobs' writes to the disk while the
        // programmer prints its verdict and exits. The verdict must wait for the listener, not be judged without it.
        String script = "echo 'Download in Progress:'; printf '[====================                              ] 40%%\\r';"
                + " echo; echo 'File download complete'; echo 'Flashing service completed successfully'; exit 0";
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgrammerRun run = assertTimeoutPreemptively(LIMIT, () -> new ProgrammerProcess(Map.of()).run(List.of("sh", "-c", script),
                Duration.ofSeconds(30), Programmer.FLASH_SUCCESS_LINE, dir.resolve("log.txt"), line -> {
                    if (line.endsWith("40%")) {
                        pause(Duration.ofSeconds(7));
                    }
                    lines.add(line);
                }));
        assertTrue(run.succeeded(), run.failureMessage());
        assertEquals("Flashing service completed successfully", lines.get(lines.size() - 1));
    }

    @Test
    void aListenerStuckBeyondTheDrainEndsTheRunAsAFailureThatSaysSo() throws Exception {
        String script = "echo 'Download in Progress:'; echo 'stuck here'; echo 'Flashing service completed successfully'; exit 0";
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicReference<Thread> reader = new AtomicReference<>();
        CountDownLatch judged = new CountDownLatch(1);
        ProgrammerRun run = assertTimeoutPreemptively(LIMIT, () -> new ProgrammerProcess(Map.of(), List.of("/bin/cat", "-u"), Duration.ofSeconds(1))
                .run(List.of("sh", "-c", script), Duration.ofSeconds(30), Programmer.FLASH_SUCCESS_LINE, dir.resolve("log.txt"), line -> {
                    reader.set(Thread.currentThread());
                    if (line.equals("stuck here")) {
                        // Held until the run has been judged, however slow the machine.
                        try {
                            judged.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    lines.add(line);
                }));
        judged.countDown();
        assertFalse(run.outputReadToEnd());
        assertFalse(run.succeeded(), "the success line was not taken in when the run was judged");
        assertTrue(run.failureMessage().contains("could not take in the programmer's output to its end"), run.failureMessage());
        reader.get().join(LIMIT.toMillis());
        // The caller has moved on by now: a line read after the verdict must not reach it.
        assertEquals(List.of("Download in Progress:", "stuck here"), lines);
        assertTrue(Files.readString(dir.resolve("log.txt")).contains("exit status 0; the output was not read to its end"));
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }

    @Test
    void aChildThatKeepsWritingAfterTheProgrammerEndedIsCutOff() throws Exception {
        // The child never lets the output go quiet, and ignores the broken pipe once it is cut off.
        LeftBehind run = runLeavingAChild("(trap '' PIPE; while :; do echo 'still here'; sleep 0.2; done) & echo $! > \"$LEFT_BEHIND\";"
                + " echo 'Flashing service completed successfully'; exit 0", Duration.ofSeconds(30));
        assertFalse(run.run().timedOut());
        assertTrue(run.run().succeeded(), run.run().failureMessage());
        assertTrue(run.lines().contains("Flashing service completed successfully"), run.lines().toString());
    }

    /** A run whose script left a child holding the output, and the lines it printed. */
    private record LeftBehind(ProgrammerRun run, List<String> lines) {
    }

    /**
     * Runs {@code script}, which starts a child that writes its pid to {@code $LEFT_BEHIND} and outlives the test's
     * limits, and checks what must hold whatever the programmer did: the run returns, the thread reading the output ends.
     */
    private LeftBehind runLeavingAChild(String script, Duration timeout) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicReference<Thread> reader = new AtomicReference<>();
        ProgrammerProcess process = new ProgrammerProcess(Map.of("LEFT_BEHIND", dir.resolve("left-behind.pid").toString()));
        ProgrammerRun run = assertTimeoutPreemptively(LIMIT, () -> process.run(List.of("sh", "-c", script), timeout,
                Programmer.FLASH_SUCCESS_LINE, dir.resolve("log.txt"), line -> {
                    reader.set(Thread.currentThread());
                    lines.add(line);
                }));
        assertNotNull(reader.get(), "the output was read");
        reader.get().join(LIMIT.toMillis());
        assertFalse(reader.get().isAlive(), "the thread reading the output has ended");
        long child = Long.parseLong(Files.readString(dir.resolve("left-behind.pid")).strip());
        assertTrue(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false),
                "the child still holds the output, so the reader's end is not its doing");
        return new LeftBehind(run, lines);
    }
}
