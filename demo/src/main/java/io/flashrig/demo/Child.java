package io.flashrig.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A program the demo starts: the server (output to a log file) or the agent (on this terminal). */
final class Child {

    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final String name;
    private final Process process;

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /** Starts {@code command} with its output appended to {@code log}. */
    static Child start(String name, List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        return launch(name, builder);
    }

    /** Starts {@code command} on this terminal, so that it can draw its live table. */
    static Child startAttached(List<String> command, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(env);
        return launch("agent", builder);
    }

    private static Child launch(String name, ProcessBuilder builder) {
        try {
            return new Child(name, builder.start());
        } catch (IOException e) {
            throw new Demo.DemoFailure("could not start the " + name + ": " + e.getMessage());
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    String name() {
        return name;
    }

    /** Asks the program to stop (SIGTERM, so it shuts down cleanly) and kills it if it does not. */
    void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    void awaitExit() {
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
