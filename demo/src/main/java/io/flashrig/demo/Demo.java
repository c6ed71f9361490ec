package io.flashrig.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashrig.simulator.Behaviour;
import io.flashrig.simulator.SimulatedBoard;
import io.flashrig.simulator.SimulatedHub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * FlashRig in one command: the server on its embedded database, a MAC range, a registered rig, and the real agent
 * flashing eight simulated boards through the programmer simulator — among them one that re-enumerates, one whose
 * flash fails, one pulled out mid-flash and one that already carries a MAC in OTP.
 *
 * <p>Options: {@code --exit-when-done} stops the server after the summary instead of waiting for Ctrl-C (for tests
 * and scripts); {@code --run-dir DIR} keeps the run's database, hub, agent state and logs in DIR instead of
 * {@code demo-run/}.
 *
 * <p>Exit codes: 0 after Ctrl-C (or when done, with {@code --exit-when-done}), 1 when a part fails to start or an
 * option is wrong, 2 when the run did not end as the scenario expects.
 */
public final class Demo {

    private static final String RIG = "demo-rig";
    /** The release the demo rolls out: the demo image under a name as an engineer would give it. */
    private static final String RELEASE = "hub3-demo-1";
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(4);
    private static final Set<String> ENDED = Set.of("DONE", "FAILED", "INTERRUPTED");

    private final Path root;
    private final Path runDir;
    private final boolean exitWhenDone;

    private Demo(Path root, Path runDir, boolean exitWhenDone) {
        this.root = root;
        this.runDir = runDir;
        this.exitWhenDone = exitWhenDone;
    }

    public static void main(String[] args) {
        try {
            System.exit(parse(args).run());
        } catch (DemoFailure e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(1);
        }
    }

    private static Demo parse(String[] args) {
        Path root = Path.of("").toAbsolutePath();
        Path runDir = root.resolve("demo-run");
        boolean exitWhenDone = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--exit-when-done" -> exitWhenDone = true;
                case "--run-dir" -> {
                    if (i + 1 == args.length) {
                        throw new DemoFailure("--run-dir needs a folder");
                    }
                    runDir = root.resolve(args[++i]);
                }
                default -> throw new DemoFailure("unknown option " + args[i]
                        + " (options: --exit-when-done, --run-dir DIR)");
            }
        }
        return new Demo(root, runDir, exitWhenDone);
    }

    private int run() {
        Path serverJar = require("server/target/quarkus-app/quarkus-run.jar");
        Path agentJar = require("agent/target/flashrig-agent-runner.jar");
        Path programmer = require("simulator/bin/STM32_Programmer_CLI");
        Path layout = require("demo/layout/FlashLayout_emmc_hub3-demo.tsv");
        resetRunDir();

        int port = freePort();
        // Health lives on the management port; a free one, so that the demo runs beside another server on 9000.
        int managementPort;
        do {
            managementPort = freePort();
        } while (managementPort == port);
        String adminToken = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        say("Starting the FlashRig server on http://localhost:" + port + " (embedded PostgreSQL in "
                + shown(runDir.resolve("data")) + ", log in " + shown(runDir.resolve("server.log")) + ") ...");
        Child server = Child.start("server", List.of(java(), "-jar", serverJar.toString()),
                Map.of("QUARKUS_HTTP_PORT", Integer.toString(port),
                        "QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort),
                        "FLASHRIG_EMBEDDED_DATABASE", "true",
                        "FLASHRIG_DATA_DIR", runDir.resolve("data").toString(),
                        "FLASHRIG_ADMIN_TOKEN", adminToken),
                runDir.resolve("server.log"));
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));

        AdminApi api = new AdminApi("http://localhost:" + port, "http://localhost:" + managementPort, adminToken);
        api.awaitReady(server, Duration.ofMinutes(3));
        api.createMacRange("04:D9:21:00:10:00", "04:D9:21:00:10:FF", "demo batch");
        String rigToken = api.registerRig(RIG);
        say("Server ready. MAC range 04:D9:21:00:10:00–04:D9:21:00:10:FF created, rig '" + RIG + "' registered.");
        // Rolling out an image as the README says: make the manifest with the agent, post it, pin the rig to it.
        String manifest = releaseManifest(agentJar, layout);
        JsonNode release = api.createRelease(manifest);
        api.pinRelease(RIG, release.path("name").asText());
        say("Release " + release.path("name").asText() + " (manifest " + release.path("manifestSha256").asText()
                + ") posted and pinned to '" + RIG + "'.");

        Scenario scenario = new Scenario(new SimulatedHub(runDir.resolve("hub")));
        BoardWatch watch = new BoardWatch(scenario.serials());
        api.followLiveUpdates(watch);

        say("Starting the agent on a simulated hub of eight ports (programmer simulator: " + root.relativize(programmer)
                + ") ...");
        Child agent = Child.startAttached(List.of(java(), "-jar", agentJar.toString(), "run",
                        "--server", "http://localhost:" + port,
                        "--layout", layout.toString(),
                        "--programmer", programmer.toString(),
                        "--watch", "cli",
                        "--state-dir", runDir.resolve("agent").toString()),
                Map.of("FLASHRIG_TOKEN", rigToken,
                        "FLASHRIG_SIM_HUB", scenario.hub().directory().toString()));
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop));

        scenario.plugAll(watch, agent);
        boolean settled = watch.awaitAll(ENDED, SETTLE_TIMEOUT, agent);
        List<String> done = watch.serialsIn("DONE");
        // The operator unplugs the finished boards, as the agent told them to.
        done.forEach(serial -> {
            scenario.hub().unplug(serial);
            pause(Duration.ofMillis(400));
        });
        boolean removed = watch.awaitSerials(done, Set.of("REMOVED"), Duration.ofSeconds(60), agent);
        agent.stop();

        printSummary(api, scenario, port, adminToken);
        boolean asExpected = settled && removed && scenario.endedAsExpected(watch);
        if (!asExpected) {
            say("Not every board ended as the scenario expects; see " + shown(runDir.resolve("server.log"))
                    + " and the programmer logs under " + shown(runDir.resolve("agent")) + ".");
        }
        if (exitWhenDone) {
            server.stop();
        } else {
            say("The server keeps running for the dashboard. Press Ctrl-C to stop.");
            server.awaitExit();
        }
        return asExpected ? 0 : 2;
    }

    private void printSummary(AdminApi api, Scenario scenario, int port, String adminToken) {
        int width = Math.min(TerminalText.lineWidth(), 160);
        int roleWidth = scenario.roles().values().stream().mapToInt(String::length).max().orElse(0);
        int flashed = 0;
        int failed = 0;
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> entry : scenario.roles().entrySet()) {
            JsonNode board = api.board(entry.getKey());
            JsonNode last = lastAttempt(board);
            String outcome = last.path("outcome").asText("");
            if ("DONE".equals(outcome)) {
                flashed++;
            } else {
                failed++;
            }
            String reason = last.path("failureCode").isMissingNode() || last.path("failureCode").isNull()
                    ? "" : last.path("failureCode").asText() + ": " + last.path("message").asText("");
            // Role, serial, outcome and MAC take 78 columns: they fit 80; the reason goes beside them only where it fits.
            String row = String.format("%-" + roleWidth + "s %-24s %-11s %s", entry.getValue(), entry.getKey(),
                    outcome.isEmpty() ? board.path("state").asText() : outcome, board.path("mac").asText("")).stripTrailing();
            String beside = String.format("%-" + (roleWidth + 55) + "s %s", row, reason);
            if (reason.isEmpty()) {
                lines.add(row);
            } else if (beside.length() <= width) {
                lines.add(beside);
            } else {
                lines.add(row);
                TerminalText.wrap(reason, width - 4, "").forEach(part -> lines.add("    " + part));
            }
        }
        JsonNode pool = api.macPool();
        JsonNode release = api.rigRelease(RIG);
        say("");
        say(TerminalText.rule("FlashRig demo summary", width));
        lines.forEach(Demo::say);
        say(String.format("Flashed: %d   Failed or interrupted: %d", flashed, failed), width);
        say(String.format("MACs assigned: %d (fused %d), %d of %d left", pool.path("assigned").asLong() + pool.path("fused").asLong(),
                pool.path("fused").asLong(), pool.path("available").asLong(), pool.path("total").asLong()), width);
        String manifest = release.path("manifestSha256").asText("");
        say("Release:     " + release.path("release").asText("none") + " pinned to " + RIG
                + "; every flash checked against it", width);
        if (!manifest.isEmpty()) {
            // The whole hash is on the dashboard and in the REST API; its start identifies it here.
            say("             manifest sha256 " + manifest.substring(0, Math.min(16, manifest.length())) + "...", width);
        }
        say("Dashboard:   http://localhost:" + port + "/dashboard/", width);
        say("             (sign in with the admin token below)", width);
        say("REST API:    http://localhost:" + port + "/q/swagger-ui/", width);
        say("Admin token: " + adminToken, width);
        say(TerminalText.rule("", width));
    }

    /** {@code flashrig-agent release manifest} of the demo's image: the JSON body for {@code POST /api/v1/releases}. */
    private static String releaseManifest(Path agentJar, Path layout) {
        try {
            Process process = new ProcessBuilder(List.of(java(), "-jar", agentJar.toString(), "release", "manifest",
                    "--layout", layout.toString(), "--name", RELEASE)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            // The manifest is one line of a few hundred bytes: read before waiting, so the pipe never fills.
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new DemoFailure("flashrig-agent release manifest did not end within 2 minutes");
            }
            if (process.exitValue() != 0) {
                throw new DemoFailure("flashrig-agent release manifest failed with exit code " + process.exitValue());
            }
            return new String(out, java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoFailure("interrupted while making the release manifest");
        }
    }

    private String shown(Path path) {
        return path.startsWith(root) ? root.relativize(path).toString() : path.toString();
    }

    private static JsonNode lastAttempt(JsonNode board) {
        JsonNode attempts = board.path("attempts");
        return attempts.isArray() && !attempts.isEmpty() ? attempts.get(attempts.size() - 1) : board;
    }

    private Path require(String relative) {
        Path path = root.resolve(relative);
        if (!Files.exists(path)) {
            throw new DemoFailure(relative + " is missing: run ./flashrig-demo from the repository root (it builds "
                    + "what is missing).");
        }
        return path;
    }

    private void resetRunDir() {
        try {
            if (Files.exists(runDir)) {
                try (var paths = Files.walk(runDir)) {
                    paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare " + runDir, e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new DemoFailure("no free local port: " + e.getMessage());
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void say(String line) {
        say(line, TerminalText.lineWidth());
    }

    /** {@code line} wrapped at spaces to {@code width}, continuation lines indented, so the terminal never breaks a word. */
    static void say(String line, int width) {
        TerminalText.wrap(line, width, "  ").forEach(System.out::println);
        System.out.flush();
    }

    static void pause(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The eight boards of the demo, their roles, and when the operator plugs and pulls them. */
    static final class Scenario {
        private final SimulatedHub hub;
        private final Map<String, SimulatedBoard> boards = new LinkedHashMap<>();
        private final Map<String, String> roles = new LinkedHashMap<>();
        private final Map<String, String> expected = new LinkedHashMap<>();
        private final String pulledSerial;

        Scenario(SimulatedHub hub) {
            this.hub = hub;
            add("flashes normally", board(1), 9_000, "REMOVED");
            add("flashes normally", board(2), 10_000, "REMOVED");
            add("re-enumerates mid-flash", board(3).withBehaviour(Behaviour.REENUMERATE), 10_000, "REMOVED");
            add("flashes normally", board(4), 9_500, "REMOVED");
            add("flash fails", board(5).withBehaviour(Behaviour.FAIL), 6_000, "FAILED");
            add("pulled out mid-flash", board(6), 30_000, "INTERRUPTED");
            add("MAC already in OTP", board(7).withMac("04:d9:21:00:10:f0"), 8_500, "REMOVED");
            add("flashes normally", board(8), 9_000, "REMOVED");
            pulledSerial = serialOf(6);
        }

        private static SimulatedBoard board(int slot) {
            return SimulatedBoard.normal(serialOf(slot), "1-1." + slot);
        }

        private static String serialOf(int slot) {
            return String.format("003C00473430511536383%03X", 0x600 + slot);
        }

        private void add(String role, SimulatedBoard board, long flashMillis, String finalState) {
            SimulatedBoard timed = board.withTimes(flashMillis, 3_000);
            boards.put(timed.serial(), timed);
            roles.put(timed.serial(), role);
            expected.put(timed.serial(), finalState);
        }

        boolean endedAsExpected(BoardWatch watch) {
            return expected.entrySet().stream().allMatch(e -> e.getValue().equals(watch.state(e.getKey())));
        }

        SimulatedHub hub() {
            return hub;
        }

        Set<String> serials() {
            return boards.keySet();
        }

        Map<String, String> roles() {
            return roles;
        }

        /** Plugs the boards one after another, then pulls one out once it is well into its flash. */
        void plugAll(BoardWatch watch, Child agent) {
            for (SimulatedBoard board : boards.values()) {
                hub.plug(board);
                pause(Duration.ofMillis(1_500));
            }
            if (watch.awaitProgress(pulledSerial, 25, Duration.ofMinutes(2), agent)) {
                hub.unplug(pulledSerial);
            }
        }
    }

    /** Counts down as the live updates report each board's state. */
    static final class BoardWatch {
        private final Map<String, String> states = new LinkedHashMap<>();
        private final Map<String, Integer> progress = new LinkedHashMap<>();
        private final Object changed = new Object();

        BoardWatch(Set<String> serials) {
            serials.forEach(serial -> states.put(serial, ""));
        }

        void update(String serial, String state, int percent) {
            synchronized (changed) {
                if (!states.containsKey(serial)) {
                    return;
                }
                states.put(serial, state);
                progress.put(serial, percent);
                changed.notifyAll();
            }
        }

        boolean awaitAll(Set<String> wanted, Duration timeout, Child agent) {
            return awaitSerials(List.copyOf(states.keySet()), wanted, timeout, agent);
        }

        boolean awaitSerials(List<String> serials, Set<String> wanted, Duration timeout, Child agent) {
            return await(timeout, agent, () -> serials.stream().allMatch(s -> wanted.contains(states.get(s))));
        }

        boolean awaitProgress(String serial, int percent, Duration timeout, Child agent) {
            return await(timeout, agent, () -> "FLASHING".equals(states.get(serial))
                    && progress.getOrDefault(serial, 0) >= percent);
        }

        String state(String serial) {
            synchronized (changed) {
                return states.get(serial);
            }
        }

        List<String> serialsIn(String state) {
            synchronized (changed) {
                return states.entrySet().stream().filter(e -> state.equals(e.getValue())).map(Map.Entry::getKey)
                        .toList();
            }
        }

        private boolean await(Duration timeout, Child agent, java.util.function.BooleanSupplier condition) {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (changed) {
                while (!condition.getAsBoolean()) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0 || !agent.alive()) {
                        return false;
                    }
                    try {
                        // Woken by each live update; the bound only notices a dead agent or the deadline.
                        changed.wait(Math.min(left, 1_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return true;
            }
        }
    }

    /** A failure that ends the demo with one line. */
    static final class DemoFailure extends RuntimeException {
        DemoFailure(String message) {
            super(message);
        }
    }
}
