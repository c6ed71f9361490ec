package io.flashrig.agent.programmer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the programmer as a child process: an argument list (never a shell string), standard input closed at once (a
 * prompt then reads end-of-file instead of hanging), standard error merged into the output, every byte appended to
 * the attempt's log, every line (split on {@code \n} and {@code \r}) handed to a listener as it arrives, and a
 * timeout that kills the process together with its descendants.
 *
 * <p>The output reaches the agent through a relay ({@code cat -u}, the programmer's output piped into it): a process
 * the programmer starts and leaves behind (in the background, or orphaned and re-parented where it can no longer be
 * found as a descendant) inherits the programmer's output and may hold it open for as long as it lives. A read blocked
 * on a process pipe cannot be woken from Java (closing the stream does not interrupt it), so the reading thread would
 * wait for that process forever. The relay is the agent's own child and starts no other: once the programmer has
 * ended and its output has not, killing the relay ends the output the agent reads, always. A left-behind process
 * that writes again then dies of the broken pipe.
 */
public final class ProgrammerProcess {

    /** Passes its input on as it arrives ({@code -u}: unbuffered, so that progress redraws are seen as they happen). */
    private static final List<String> RELAY = List.of("cat", "-u");

    /**
     * How long the output may stay open after the programmer ended or was killed. Its own output is through by then;
     * only a process it left behind would still hold it.
     */
    private static final Duration STRAGGLER_GRACE = Duration.ofSeconds(2);

    /** How long a killed process may take to be gone. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /** How long the reader may take to hand on the last of the output once the relay is gone. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final Map<String, String> environment;

    /** @param environment extra variables for the programmer's environment (e.g. the simulator's hub directory) */
    public ProgrammerProcess(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /**
     * Runs {@code command} and waits for it, at most {@code timeout} (then a few seconds for its output to end). The
     * thread that reads the output has ended, or is about to, when this returns.
     *
     * @param successLine the line whose appearance means the operation succeeded
     * @param log the file the whole output is appended to
     * @param lines receives every output line as it arrives, on the reading thread
     */
    public ProgrammerRun run(List<String> command, Duration timeout, String successLine, Path log, Consumer<String> lines)
            throws InterruptedException {
        Instant start = Instant.now();
        Recorder recorder = new Recorder(successLine, lines);
        try (OutputStream out = openLog(log, command)) {
            Process process;
            Process relay;
            try {
                ProcessBuilder programmer = new ProcessBuilder(command).redirectErrorStream(true);
                programmer.environment().putAll(environment);
                List<Process> pipeline = ProcessBuilder.startPipeline(List.of(programmer, new ProcessBuilder(RELAY).redirectErrorStream(true)));
                process = pipeline.get(0);
                relay = pipeline.get(1);
            } catch (IOException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                out.write(("could not start: " + why + "\n").getBytes(StandardCharsets.UTF_8));
                return recorder.result(-1, false, Optional.of(why), Duration.between(start, Instant.now()));
            }
            process.getOutputStream().close();
            Thread reader = new Thread(() -> {
                try {
                    new LineSplitter(recorder).pump(relay.getInputStream(), out);
                } catch (IOException e) {
                    // The stream breaks when the relay is killed; what was read is kept.
                }
            }, "programmer-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // The agent is stopping: no programmer may outlive it and keep writing to a board.
                killWithDescendants(process);
                relay.destroyForcibly();
                throw e;
            }
            if (!finished) {
                killWithDescendants(process);
            }
            endOutput(reader, relay);
            int exit = finished ? process.exitValue() : -1;
            String footer = finished ? "exit status " + exit : "killed after " + Durations.format(timeout) + " (timeout)";
            out.write(("\n--- " + footer + "\n").getBytes(StandardCharsets.UTF_8));
            return recorder.result(exit, !finished, Optional.empty(), Duration.between(start, Instant.now()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the programmer log " + log, e);
        }
    }

    /**
     * Lets the output run out once the programmer is gone. The relay ends when the programmer's output does; when a
     * process the programmer left behind keeps that open past the grace, the relay is killed. Either way the relay's
     * output then ends with what it passed on, so the reader reaches its end.
     */
    private static void endOutput(Thread reader, Process relay) throws InterruptedException {
        if (!relay.waitFor(STRAGGLER_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            relay.destroyForcibly();
            relay.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        reader.join(DRAIN.toMillis());
    }

    /**
     * Kills the process and every descendant. The descendants are collected before the parent dies, because an orphan
     * is re-parented and no longer found as a descendant; a hung programmer often hangs in a child.
     */
    static void killWithDescendants(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static OutputStream openLog(Path log, List<String> command) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        out.write(("--- " + Instant.now() + " $ " + String.join(" ", command) + "\n").getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /** Keeps what a run's verdict needs: error lines, the tail, whether the success line appeared. */
    private static final class Recorder implements Consumer<String> {
        private final String successLine;
        private final Consumer<String> listener;
        private final List<String> errors = new ArrayList<>();
        private final Deque<String> tail = new ArrayDeque<>();
        private boolean success;

        Recorder(String successLine, Consumer<String> listener) {
            this.successLine = successLine;
            this.listener = listener;
        }

        @Override
        public void accept(String line) {
            synchronized (this) {
                String stripped = line.strip();
                // The first errors explain a failure; a programmer repeating one until its timeout must not fill memory.
                if ((stripped.startsWith("Error:") || stripped.startsWith("ERROR:")) && errors.size() < ProgrammerRun.TAIL_LINES) {
                    errors.add(stripped);
                }
                if (stripped.contains(successLine)) {
                    success = true;
                }
                if (tail.size() == ProgrammerRun.TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
            listener.accept(line);
        }

        synchronized ProgrammerRun result(int exit, boolean timedOut, Optional<String> startFailure, Duration elapsed) {
            return new ProgrammerRun(exit, timedOut, startFailure, errors, new ArrayList<>(tail), success, elapsed);
        }
    }
}
