package io.flashrig.agent.programmer;

import io.flashrig.agent.state.PrivateFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
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
 * <p>The output reaches the agent through a relay ({@code /bin/cat -u}, the programmer's output piped into it): a
 * process the programmer starts and leaves behind (in the background, or orphaned and re-parented where it can no
 * longer be found as a descendant) inherits the programmer's output and may hold it open for as long as it lives. A
 * read blocked on a process pipe cannot be woken from Java (closing the stream does not interrupt it), so the reading
 * thread would wait for that process forever. The relay is the agent's own child and starts no other: once the
 * programmer has ended and its output has gone quiet, killing the relay ends the output the agent reads, always. A
 * left-behind process that writes again then dies of the broken pipe. The relay is not killed while output still
 * arrives: what the programmer wrote last (its verdict) may still sit in the relay when a slow listener holds the
 * reader up. Nor is it killed before it has had the grace after the programmer's end, however long the reader had been
 * waiting by then: the programmer's last words are often written in one burst just before it exits, and on a loaded
 * machine the relay may not have passed them on yet. Nor is a run judged before the reader has handed every line on:
 * with 16 boards flashing on a busy machine the listener (the job, storing each event durably) was seen to lag the
 * programmer by seconds, and the verdict is in the last lines.
 */
public final class ProgrammerProcess {

    /**
     * Passes its input on as it arrives ({@code -u}: unbuffered, so that progress redraws are seen as they happen). By
     * its absolute path, there on Linux and macOS alike: the agent's PATH must not decide what reads the output.
     */
    private static final List<String> RELAY = List.of("/bin/cat", "-u");

    /**
     * How long the output may stay open and quiet after the programmer ended or was killed, counted from that end. Its
     * own output is through by then; only a process it left behind would still hold it. It costs nothing when no
     * process was left behind (the relay then ends by itself), so it is generous towards a relay waiting for a core.
     */
    static final Duration STRAGGLER_GRACE = Duration.ofSeconds(3);

    /**
     * The most the output may take to end after the programmer ended or was killed, however much is still arriving.
     * What the programmer leaves unread is at most a few pipe buffers (a few hundred kilobytes), which a slow listener
     * takes in within seconds; only a process it left behind that writes without end holds the output this long, and
     * is then cut off.
     */
    private static final Duration OUTPUT_LIMIT = Duration.ofSeconds(10);

    /** How long a killed process may take to be gone. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /**
     * How long the reader may take to hand on the rest of the output once the relay is gone. The rest is finite then
     * (what the pipe holds), so only a listener that is held up keeps the reader busy, e.g. a job transition waiting
     * behind the other jobs' events for the CPU and the disk, which can take seconds. The verdict is in the last lines,
     * so the run waits for them; only a listener stuck for this long ends the run without them, as a failure that says
     * so.
     */
    static final Duration DRAIN = Duration.ofSeconds(60);

    private final Map<String, String> environment;
    private final List<String> relayCommand;
    private final Duration drain;

    /** @param environment extra variables for the programmer's environment (e.g. the simulator's hub directory) */
    public ProgrammerProcess(Map<String, String> environment) {
        this(environment, RELAY, DRAIN);
    }

    /**
     * With another relay command (tests use one that lags the way a starved relay does) and another limit for handing
     * on the rest of the output (tests cannot wait for the real one).
     */
    ProgrammerProcess(Map<String, String> environment, List<String> relay, Duration drain) {
        this.environment = Map.copyOf(environment);
        this.relayCommand = List.copyOf(relay);
        this.drain = drain;
    }

    /**
     * Runs {@code command} and waits for it, at most {@code timeout} (then some seconds for its output to end), and for
     * every line of its output to be handed to {@code lines}: the verdict is judged on the whole output. The thread
     * that reads the output has ended when this returns, unless {@code lines} was held up beyond all reason (the run
     * then fails, saying so).
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
                List<Process> pipeline = ProcessBuilder.startPipeline(List.of(programmer, new ProcessBuilder(relayCommand).redirectErrorStream(true)));
                process = pipeline.get(0);
                relay = pipeline.get(1);
            } catch (IOException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                out.write(("could not start: " + why + "\n").getBytes(StandardCharsets.UTF_8));
                recorder.readToEnd();
                return recorder.result(-1, false, Optional.of(why), Duration.between(start, Instant.now()));
            }
            process.getOutputStream().close();
            WatchedOutput output = new WatchedOutput(relay.getInputStream());
            Thread reader = new Thread(() -> {
                try {
                    new LineSplitter(recorder).pump(output, out);
                } catch (IOException e) {
                    // The stream breaks when the relay is killed; what was read is kept.
                } catch (RuntimeException e) {
                    if (!recorder.judged()) {
                        throw e;
                    }
                    // A listener call that was under way when the run was judged, and failed because its job moved on.
                    return;
                }
                recorder.readToEnd();
            }, "programmer-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
            try {
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
                endOutput(reader, output, relay);
                reader.join(drain.toMillis());
                int exit = finished ? process.exitValue() : -1;
                ProgrammerRun result = recorder.result(exit, !finished, Optional.empty(), Duration.between(start, Instant.now()));
                String footer = finished ? "exit status " + exit : "killed after " + Durations.format(timeout) + " (timeout)";
                String cut = result.outputReadToEnd() ? "" : "; the output was not read to its end";
                out.write(("\n--- " + footer + cut + "\n").getBytes(StandardCharsets.UTF_8));
                return result;
            } finally {
                // Also when the agent stops: no line may reach a caller that has moved on.
                recorder.judge();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the programmer log " + log, e);
        }
    }

    /**
     * Lets the output run out once the programmer is gone. The relay ends when the programmer's output does; when a
     * process the programmer left behind keeps that open, the relay is killed once the output has been quiet for the
     * grace since the programmer's end (or has gone on for the limit, or nothing reads it any more). Either way the
     * relay's output then ends with what it passed on, so the reader reaches its end.
     */
    private static void endOutput(Thread reader, WatchedOutput output, Process relay) throws InterruptedException {
        long ended = System.nanoTime();
        long limit = ended + OUTPUT_LIMIT.toNanos();
        while (true) {
            long now = System.nanoTime();
            long wait = Math.min(STRAGGLER_GRACE.toNanos() - output.quietNanos(ended, now), limit - now);
            if (wait <= 0 || !reader.isAlive()) {
                relay.destroyForcibly();
                relay.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                break;
            }
            if (relay.waitFor(wait, TimeUnit.NANOSECONDS)) {
                break;
            }
        }
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
        PrivateFiles.folder(log.toAbsolutePath().getParent());
        OutputStream out = Channels.newOutputStream(
                PrivateFiles.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
        out.write(("--- " + Instant.now() + " $ " + String.join(" ", command) + "\n").getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /**
     * The relay's output as the reader takes it, telling how long it has been quiet: for as long as the reader has
     * waited for bytes that do not come. While the reader hands on what it read (to a listener that may be slow) the
     * output is not quiet, however long ago its last read: what it has not taken yet waits in the pipe and the relay.
     */
    private static final class WatchedOutput extends FilterInputStream {
        /** When the reader began its current wait for bytes, by {@link System#nanoTime()}; set before the flag. */
        private volatile long waitingSince;
        private volatile boolean waiting;

        WatchedOutput(InputStream relayOutput) {
            super(relayOutput);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            waitingSince = System.nanoTime();
            waiting = true;
            try {
                return super.read(bytes, offset, length);
            } finally {
                waiting = false;
            }
        }

        /**
         * How long, at {@code now}, the reader has waited in vain since {@code since}; zero while it is busy with what
         * it read.
         */
        long quietNanos(long since, long now) {
            return waiting ? Math.min(now - since, now - waitingSince) : 0;
        }
    }

    /**
     * Keeps what a run's verdict needs: error lines, the tail, whether the success line appeared, whether the output was
     * read to its end. Once the verdict is taken it starts handing no more lines on: the caller has moved on (the job to
     * its next state). Only a call already under way when the run is judged (the listener held up beyond the drain)
     * may still end after it.
     */
    private static final class Recorder implements Consumer<String> {
        private final String successLine;
        private final Consumer<String> listener;
        private final List<String> errors = new ArrayList<>();
        private final Deque<String> tail = new ArrayDeque<>();
        private boolean success;
        private boolean readToEnd;
        private boolean judged;

        Recorder(String successLine, Consumer<String> listener) {
            this.successLine = successLine;
            this.listener = listener;
        }

        @Override
        public void accept(String line) {
            synchronized (this) {
                if (judged) {
                    return;
                }
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

        synchronized void readToEnd() {
            readToEnd = true;
        }

        synchronized void judge() {
            judged = true;
        }

        synchronized boolean judged() {
            return judged;
        }

        synchronized ProgrammerRun result(int exit, boolean timedOut, Optional<String> startFailure, Duration elapsed) {
            judged = true;
            return new ProgrammerRun(exit, timedOut, startFailure, errors, new ArrayList<>(tail), success, readToEnd, elapsed);
        }
    }
}
