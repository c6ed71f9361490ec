package io.flashrig.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The packaged agent ({@code flashrig-agent-runner.jar run --output json --watch cli}) run as a real process against
 * the simulated hub; every board event it prints is kept, in order, for the scenario to check, and every line it
 * prints, JSON or (with {@code --output plain}) for people.
 */
public final class AgentProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private AgentProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reader = new Thread(this::readEvents, "agent-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** How to run an agent: which server and rig, which hub, which programmer, and extra options. */
    public record Settings(String serverUrl, String token, Path hub, Path stateDir, Path programmer, int parallel,
                           List<String> extraOptions, String output) {

        /** An agent of {@code serverUrl} with the simulated programmer, 16 programmers at once, printing JSON events. */
        public static Settings of(String serverUrl, String token, Path hub, Path stateDir) {
            return new Settings(serverUrl, token, hub, stateDir, Workspace.programmer(), 16, List.of(), "json");
        }

        /** The same with another programmer (e.g. a wrapper around the simulator). */
        public Settings withProgrammer(Path newProgrammer) {
            return new Settings(serverUrl, token, hub, stateDir, newProgrammer, parallel, extraOptions, output);
        }

        /** The same on another simulated hub (another rig's). */
        public Settings withHub(Path newHub) {
            return new Settings(serverUrl, token, newHub, stateDir, programmer, parallel, extraOptions, output);
        }

        /** The same with extra {@code run} options, e.g. {@code --flash-timeout=3s}. */
        public Settings withOptions(String... options) {
            return new Settings(serverUrl, token, hub, stateDir, programmer, parallel, List.of(options), output);
        }

        /**
         * The same printing {@code plain} lines for people (what an operator's terminal shows) instead of JSON; such
         * an agent's {@link #events()} stay empty.
         */
        public Settings withOutput(String newOutput) {
            return new Settings(serverUrl, token, hub, stateDir, programmer, parallel, extraOptions, newOutput);
        }
    }

    /** Starts the agent; its stderr goes to {@code <stateDir>/../<name>.log}. */
    public static AgentProcess start(Settings s, String name) {
        List<String> command = command("run", s);
        command.addAll(List.of("--output", s.output(), "--parallel", Integer.toString(s.parallel())));
        command.addAll(s.extraOptions());
        Path log = s.stateDir().resolveSibling(name + ".log");
        ProcessBuilder builder = builder(command, s).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Files.createDirectories(s.stateDir());
            return new AgentProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("the agent could not be started", e);
        }
    }

    /** How a command that ends by itself ended: its exit code and what it printed on stdout and stderr. */
    public record Outcome(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code flashrig-agent doctor} with the settings (their extra options must be ones {@code doctor} takes too) and
     * returns how it ended; fails if it has not ended within {@code timeout}.
     */
    public static Outcome doctor(Settings s, String name, Duration timeout) {
        List<String> command = command("doctor", s);
        command.addAll(s.extraOptions());
        try {
            Files.createDirectories(s.stateDir());
        } catch (IOException e) {
            throw new UncheckedIOException("the agent's state directory could not be made", e);
        }
        return runToEnd(builder(command, s), s.stateDir().resolveSibling(name + ".out"), s.stateDir().resolveSibling(name + ".log"), timeout);
    }

    /**
     * Runs {@code flashrig-agent ARGS…} (a command that needs no server, e.g. {@code release manifest}) and returns how
     * it ended; its output goes to {@code <dir>/<name>.out} and {@code .log}.
     */
    public static Outcome runCommand(Path dir, String name, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(Workspace.java(), "-Xmx256m", "-jar", Workspace.agentJar().toString()));
        command.addAll(List.of(args));
        return runToEnd(new ProcessBuilder(command), dir.resolve(name + ".out"), dir.resolve(name + ".log"), timeout);
    }

    private static Outcome runToEnd(ProcessBuilder builder, Path out, Path err, Duration timeout) {
        try {
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", builder.command()) + " did not end within " + timeout.toSeconds()
                        + " s:\n" + Files.readString(out));
            }
            return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("the agent could not be run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static List<String> command(String subcommand, Settings s) {
        return new ArrayList<>(List.of(Workspace.java(), "-Xmx256m", "-jar", Workspace.agentJar().toString(),
                subcommand, "--server", s.serverUrl(), "--layout", Workspace.layout().toString(),
                "--programmer", s.programmer().toString(), "--programmer-env", "FLASHRIG_SIM_HUB=" + s.hub(),
                "--watch", "cli", "--state-dir", s.stateDir().toString()));
    }

    private static ProcessBuilder builder(List<String> command, Settings s) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FLASHRIG_TOKEN", s.token());
        builder.environment().put("FLASHRIG_SIM_HUB", s.hub().toString());
        // The cli watcher lists the hub this often; short, so that the scenarios run quickly.
        builder.environment().put("FLASHRIG_POLL_INTERVAL", "500ms");
        builder.environment().put("FLASHRIG_REENUMERATION_GRACE", "3s");
        return builder;
    }

    private void readEvents() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
                if (line.startsWith("{")) {
                    try {
                        events.add(Admin.JSON.readTree(line));
                    } catch (IOException e) {
                        // A line cut by kill -9 is not an event.
                    }
                }
            }
        } catch (IOException e) {
            // The process ended.
        }
    }

    /**
     * Lines of its standard output (the operator's screen, or the factory system reading JSON) that hold a raw control
     * character: a NUL, an ESC starting a terminal sequence, any C0 or C1 control but a tab.
     */
    public List<String> linesWithControls() {
        return lines.stream().filter(line -> line.chars().anyMatch(AgentProcess::isControl)).toList();
    }

    /** Whether a line of its standard output matches {@code test}: for agents that print for people, not JSON. */
    public boolean printedLine(Predicate<String> test) {
        return lines.stream().anyMatch(test);
    }

    /** Whether {@code c} is a control character that has no business in text for people: all but the tab. */
    public static boolean isControl(int c) {
        return c != '\t' && Character.isISOControl(c);
    }

    /** Whether its stderr (log and one-line messages) holds {@code text}. */
    public boolean logged(String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** Every board event printed so far, in order. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Whether an event matching {@code test} was printed. */
    public boolean printed(Predicate<JsonNode> test) {
        return events.stream().anyMatch(test);
    }

    /** Events with {@code state} (e.g. "FLASH_JOB_STATE_DONE") for {@code serial}. */
    public boolean reached(String serial, String state) {
        return printed(e -> serial.equals(e.path("serial").asText()) && state.equals(e.path("state").asText()));
    }

    /** Whether the board's job ended (DONE, FAILED or INTERRUPTED). */
    public boolean ended(String serial) {
        return reached(serial, "FLASH_JOB_STATE_DONE") || reached(serial, "FLASH_JOB_STATE_FAILED")
                || reached(serial, "FLASH_JOB_STATE_INTERRUPTED");
    }

    /** Waits until the board's job ended. */
    public void awaitEnded(String serial, java.time.Duration timeout) {
        Await.until(timeout, "the job of " + serial + " to end", () -> ended(serial), this::diagnostics);
    }

    /** Kills it with SIGKILL ({@code kill -9}) and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The process id, for /proc figures. */
    public long pid() {
        return process.pid();
    }

    /** Whether it still runs. */
    public boolean alive() {
        return process.isAlive();
    }

    /** The last lines of its stderr and events, for failure messages. */
    public String diagnostics() {
        StringBuilder text = new StringBuilder("--- agent " + log + " ---\n");
        try {
            List<String> lines = Files.readAllLines(log);
            text.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        } catch (IOException e) {
            text.append("(no log)");
        }
        List<JsonNode> all = events();
        text.append("\n--- last events ---\n");
        all.subList(Math.max(0, all.size() - 20), all.size()).forEach(e -> text.append(e).append('\n'));
        return text.toString();
    }

    /** Stops it: SIGTERM (the agent shuts down cleanly), then SIGKILL after 15 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                kill();
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }
}
