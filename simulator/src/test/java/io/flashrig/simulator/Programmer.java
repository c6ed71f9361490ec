package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs the simulated programmer in this process against one hub, by default 100 times faster than real time. */
final class Programmer {

    /** Simulated seconds become wall-clock hundredths. */
    static final String TIME_SCALE = "0.01";
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final SimulatedHub hub;
    private final String timeScale;

    Programmer(SimulatedHub hub) {
        this(hub, TIME_SCALE);
    }

    /** A programmer whose simulated time runs at {@code timeScale} ({@code FLASHRIG_SIM_TIME_SCALE}). */
    Programmer(SimulatedHub hub, String timeScale) {
        this.hub = hub;
        this.timeScale = timeScale;
    }

    /**
     * One finished run: its exit status and everything it printed, as text and as the bytes themselves (which need
     * not be UTF-8).
     */
    record Result(int status, String output, byte[] bytes) {
    }

    Result run(String... args) {
        return answering("", args);
    }

    /** A run whose standard input holds {@code input}, for confirmation prompts. */
    Result answering(String input, String... args) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status = ProgrammerSimulator.run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(output, true, StandardCharsets.UTF_8), environment());
        return new Result(status, output.toString(StandardCharsets.UTF_8), output.toByteArray());
    }

    /** A run on its own thread, to act on the hub while it is going on. */
    Running start(String... args) {
        return new Running(this, args);
    }

    Map<String, String> environment() {
        return Map.of(Session.HUB_VARIABLE, hub.directory().toString(), SimulatedTime.SCALE_VARIABLE, timeScale);
    }

    /** A run still going on. */
    static final class Running {

        private final ByteArrayOutputStream output = new ByteArrayOutputStream();
        private final Thread thread;
        private final CompletableFuture<Integer> status = new CompletableFuture<>();

        private Running(Programmer programmer, String[] args) {
            PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
            thread = new Thread(() -> status.complete(ProgrammerSimulator.run(args,
                    new ByteArrayInputStream(new byte[0]), out, programmer.environment())), "simulated-programmer");
            thread.start();
        }

        String output() {
            return output.toString(StandardCharsets.UTF_8);
        }

        /** Waits until the programmer has printed {@code text}. */
        void awaitOutput(String text) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!output().contains(text)) {
                assertTrue(System.nanoTime() < deadline, () -> "no '" + text + "' in:\n" + output());
                assertFalse(status.isDone(), () -> "ended without '" + text + "':\n" + output());
                Thread.sleep(5);
            }
        }

        Result finish() throws InterruptedException, ExecutionException, TimeoutException {
            int exit = status.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(exit, output(), output.toByteArray());
        }

        /** Stops a run that would never end on its own, as killing the process would. */
        Result interrupt() throws InterruptedException, ExecutionException, TimeoutException {
            thread.interrupt();
            return finish();
        }

        boolean finished() {
            return status.isDone();
        }
    }
}
