package io.flashrig.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashrig.e2e.AgentProcess;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.Testbed;
import io.flashrig.simulator.SimulatedBoard;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Section 1 of the benchmarks: boards plugged at once against one board alone (issue 18, targets 1 and 2).
 *
 * <p>The figure that counts runs against a stand-in for STM32_Programmer_CLI, a POSIX sh script in the bench's resources
 * that starts in milliseconds as ST's native tool does; the project's simulator, a JVM per programmer run, is measured
 * beside it. Phases per board come from the agent's own events: detect (plug to the {@code detected} event), start
 * (detected to {@code flashStarted}), flash (to {@code flashed}) and after-flash (to {@code done}: OTP read, MAC
 * assignment and claim, write, read back). Target 2's programmer start is the stand-in's own: the moment its first flash
 * run of a board began, by its clock, so that the agent's sync of {@code flashStarted} and the process start count too.
 *
 * <p>Settings (system properties): {@code flashrig.bench.flash-seconds} T (20), {@code flashrig.bench.poll} the
 * {@code cli} watcher's interval for the T runs (200ms, the agent's default), {@code flashrig.bench.poll-intervals} the intervals of the
 * plug-to-start sweep (2s,1s,250ms,200ms,100ms), {@code flashrig.bench.simulator} false to skip the simulator's figure,
 * {@code flashrig.bench.efficiency} false to skip the T runs (section 1b alone), {@code flashrig.bench.together-rounds}
 * how many rounds of boards plugged together each interval measures (8): one round is one draw of the listing's phase,
 * {@code flashrig.bench.sync-delay} (e.g. {@code 9ms}, needs {@code strace}) holds every fsync of the swept agents that
 * long, as a slow or busy disk does (strace then also stops the agent at its other system calls, which costs it CPU).
 */
final class ParallelBench {

    private static final int BOARDS = 16;
    /** How long an agent's JIT compilers may take to go quiet (under 5 % of a core over 2 s) before its idle figure. */
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(20);
    /** How long each interval's agent idles, no boards, for its CPU figure. */
    private static final Duration IDLE_WINDOW = Duration.ofSeconds(10);
    /** The sweep needs programmer starts, not long flashes. */
    private static final long SWEEP_FLASH_MILLIS = 1000;
    /** Boards plugged one by one arrive within this time: the longest poll interval swept. */
    private static final long STAGGER_MILLIS = 2000;
    private static final long[] NO_GAPS = new long[BOARDS];

    private ParallelBench() {
    }

    /**
     * One board's phases, seconds from its plug; NaN where the event was not seen. {@code running} is the moment the
     * stand-in's first flash run of the board began, by its own clock: the programmer start the operator waits for,
     * after the agent stamped {@code flashStarted}, made it durable and started the process (NaN for the simulator).
     */
    private record Board(double detected, double started, double flashed, double done, double running) {
    }

    /** A round of boards plugged together: each board's phases, and the round's plug-to-last figures. */
    private record Round(List<Board> boards, double toLastFlashed, double toLastDone) {

        /** The phase over the boards where it was seen (a NaN would count as 0 ms). */
        Stats phase(ToDoubleFunction<Board> seconds) {
            Stats stats = new Stats();
            boards.stream().mapToDouble(seconds).filter(v -> !Double.isNaN(v)).forEach(v -> stats.add((long) (v * 1e9)));
            return stats;
        }
    }

    static void run() {
        long flashMillis = Math.round(Double.parseDouble(System.getProperty("flashrig.bench.flash-seconds", "20")) * 1000);
        String poll = System.getProperty("flashrig.bench.poll", "200ms");
        List<String> sweep = List.of(System.getProperty("flashrig.bench.poll-intervals", "2s,1s,250ms,200ms,100ms").split(","));
        boolean efficiency = Boolean.parseBoolean(System.getProperty("flashrig.bench.efficiency", "true"));
        int togetherRoundCount = Integer.parseInt(System.getProperty("flashrig.bench.together-rounds", "8"));
        String syncDelay = System.getProperty("flashrig.bench.sync-delay", "");
        System.out.printf(Locale.ROOT, "%n== 1. Parallel efficiency: boards whose flash takes T = %.1f s, agent --parallel %d --watch cli ==%n",
                flashMillis / 1000.0, BOARDS);
        try (Testbed bed = Testbed.start("bench-parallel")) {
            Path standIn = standIn(bed.dir().resolve("stand-in"));
            System.out.printf(Locale.ROOT, "programmer: stand-in %s (sh; a listing takes %.1f ms here)%n", standIn, listingMillis(standIn, bed.dir()));

            if (efficiency) {
                Path hub = bed.dir().resolve("stand-in-hub-t");
                AgentProcess agent = startAgent(bed, "standin-t", standIn, hub, poll);
                // A fresh agent's first boards also pay for its class loading and JIT: not what a rig in use sees.
                standInRound(bed, agent, hub, BOARDS, SWEEP_FLASH_MILLIS, NO_GAPS);
                Round one = standInRound(bed, agent, hub, 1, flashMillis, NO_GAPS);
                double cpu = ProcStat.cpuSeconds(agent.pid());
                double cpuWithProgrammers = ProcStat.cpuSecondsWithChildren(agent.pid());
                Round sixteen = standInRound(bed, agent, hub, BOARDS, flashMillis, NO_GAPS);
                cpu = ProcStat.cpuSeconds(agent.pid()) - cpu;
                cpuWithProgrammers = ProcStat.cpuSecondsWithChildren(agent.pid()) - cpuWithProgrammers;
                agent.close();
                report("stand-in, poll " + poll, one, sixteen, flashMillis);
                System.out.printf(Locale.ROOT, "CPU of the %d-board round: agent JVM %.1f s, with its programmer runs %.1f s (%.2f s per board)%n",
                        BOARDS, cpu, cpuWithProgrammers, cpuWithProgrammers / BOARDS);
            }

            Random random = new Random(18);
            System.out.printf(Locale.ROOT, "%n-- plug -> programmer start (the stand-in's own clock as its flash run begins), stand-in, T = %.1f s, per poll interval: %d boards plugged together "
                    + "(one listing's phase), then 2 x %d boards plugged one by one at random moments over %d ms (every phase); idle CPU of "
                    + "the agent and the listing processes it starts, no boards, %d s once its JIT has gone quiet; a warm-up round first; together: %d round(s), "
                    + "spread = last minus first board's programmer start within a round (median of the rounds) --%n",
                    SWEEP_FLASH_MILLIS / 1000.0, BOARDS, BOARDS, STAGGER_MILLIS, IDLE_WINDOW.toSeconds(), togetherRoundCount);
            System.out.println("poll interval | together p95 ms  spread ms | one by one p50 ms  p95 ms  max ms | idle CPU s per minute  (% of one core)");
            List<String> phases = new ArrayList<>();
            for (String interval : sweep) {
                Path sweepHub = bed.dir().resolve("stand-in-hub-" + interval);
                AgentProcess swept = startAgent(bed, "standin-" + interval, standIn, sweepHub, interval);
                Process slowDisk = syncDelay.isEmpty() ? null : slowSyncs(swept, syncDelay);
                standInRound(bed, swept, sweepHub, BOARDS, SWEEP_FLASH_MILLIS, staggered(random));
                double idle = idleCpuSecondsPerMinute(swept);
                List<Round> togetherRounds = new ArrayList<>();
                for (int round = 0; round < togetherRoundCount; round++) {
                    togetherRounds.add(standInRound(bed, swept, sweepHub, BOARDS, SWEEP_FLASH_MILLIS, NO_GAPS));
                }
                Stats together = across(togetherRounds, Board::running);
                Stats spread = new Stats();
                for (Round round : togetherRounds) {
                    // The boards were plugged within a millisecond or two: what spreads their starts is the agent.
                    Stats running = round.phase(Board::running);
                    spread.add((long) ((running.percentileMillis(100) - running.percentileMillis(0)) * 1e6));
                }
                Stats oneByOne = new Stats();
                for (int round = 0; round < 2; round++) {
                    oneByOne.addAll(standInRound(bed, swept, sweepHub, BOARDS, SWEEP_FLASH_MILLIS, staggered(random)).phase(Board::running));
                }
                swept.close();
                if (slowDisk != null) {
                    slowDisk.destroy();
                }
                System.out.printf(Locale.ROOT, "%13s | %15.0f %10.0f | %17.0f %7.0f %7.0f | %21.2f  (%.1f %%)%n", interval,
                        together.percentileMillis(95), spread.percentileMillis(50), oneByOne.percentileMillis(50), oneByOne.percentileMillis(95),
                        oneByOne.percentileMillis(100), idle, idle / 60 * 100);
                phases.add(String.format(Locale.ROOT, "%13s | %s | %s | %s", interval, p50p95(togetherRounds, Board::detected),
                        p50p95(togetherRounds, b -> b.started() - b.detected()), p50p95(togetherRounds, b -> b.running() - b.started())));
            }
            System.out.println("together, per phase, p50 / p95 ms: detect (plug -> detected: the poll's phase, the listing) | announce "
                    + "(detected -> flashStarted: the detection made durable) | start (flashStarted -> the programmer runs: that made "
                    + "durable, the process and its relay started)");
            phases.forEach(System.out::println);

            if (Boolean.parseBoolean(System.getProperty("flashrig.bench.simulator", "true"))) {
                AgentProcess simulated = startAgent(bed, "simulator", null, bed.hub().directory(), poll);
                simulatorRound(bed, simulated, 4, SWEEP_FLASH_MILLIS, "1-3.");
                Round simOne = simulatorRound(bed, simulated, 1, flashMillis, "1-2.");
                Round simSixteen = simulatorRound(bed, simulated, BOARDS, flashMillis, "1-1.");
                simulated.close();
                report("simulator (a JVM per programmer run), poll " + poll, simOne, simSixteen, flashMillis);
            }
            System.out.println("usb watcher: not measured - usb4java hot-plug cannot see simulated boards (no real USB devices here)");
        }
    }

    private static AgentProcess startAgent(Testbed bed, String name, Path standIn, Path hub, String poll) {
        try {
            Files.createDirectories(hub);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AgentProcess agent = bed.startAgent(bed.rig("bench-" + name), name, s -> {
            AgentProcess.Settings withHub = s.withHub(hub).withOptions("--poll-interval=" + poll);
            return standIn == null ? withHub : withHub.withProgrammer(standIn);
        });
        // The agent's own start (JVM, session with the server) is not what is measured.
        Await.sleep(Duration.ofSeconds(4));
        return agent;
    }

    /** Holds every fsync and fdatasync of {@code agent} for {@code delay}, as a slow disk would, until the process is destroyed. */
    private static Process slowSyncs(AgentProcess agent, String delay) {
        try {
            Process strace = new ProcessBuilder("strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
                    "-e", "inject=fsync,fdatasync:delay_exit=" + delay, "-p", Long.toString(agent.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // strace attaches to every thread of the agent before the rounds begin.
            Await.sleep(Duration.ofSeconds(1));
            System.out.printf(Locale.ROOT, "every fsync of the agent takes %s longer (strace attached)%n", delay);
            return strace;
        } catch (IOException e) {
            throw new UncheckedIOException("strace could not be started", e);
        }
    }

    /**
     * The gaps before each of {@link #BOARDS} boards plugged one by one at random moments within {@link #STAGGER_MILLIS}:
     * each board meets the watcher's poll at another phase.
     */
    private static long[] staggered(Random random) {
        long[] moments = random.longs(BOARDS, 0, STAGGER_MILLIS).sorted().toArray();
        long[] gaps = new long[BOARDS];
        for (int i = 0; i < BOARDS; i++) {
            gaps[i] = moments[i] - (i == 0 ? 0 : moments[i - 1]);
        }
        return gaps;
    }

    /** Plugs {@code count} stand-in boards (a file each) after the given gaps, waits for their jobs, checks them and unplugs them. */
    private static Round standInRound(Testbed bed, AgentProcess agent, Path hub, int count, long flashMillis, long[] gapsMillis) {
        Map<String, Instant> pluggedAt = new LinkedHashMap<>();
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            serials.add(bed.newSerial());
        }
        for (int i = 0; i < count; i++) {
            if (gapsMillis[i] > 0) {
                Await.sleep(Duration.ofMillis(gapsMillis[i]));
            }
            write(hub.resolve(serials.get(i) + ".board"), Long.toString(flashMillis));
            pluggedAt.put(serials.get(i), Instant.now());
        }
        Round round = awaitRound(agent, hub, pluggedAt);
        if (round.boards().stream().anyMatch(b -> Double.isNaN(b.running()))) {
            throw new IllegalStateException("a board's programmer start was not stamped by the stand-in (it needs a date(1) that "
                    + "knows %N, as GNU coreutils' and BusyBox's do): see the *.started files in " + hub);
        }
        for (String serial : serials) {
            try {
                // The stand-in logs every OTP write run: one per board, whatever happened.
                List<String> writes = Files.readAllLines(hub.resolve(serial + ".writes"));
                if (writes.size() != 1) {
                    throw new IllegalStateException("board " + serial + " had " + writes.size() + " OTP write runs: " + writes);
                }
                Files.delete(hub.resolve(serial + ".board"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return round;
    }

    private static Round simulatorRound(Testbed bed, AgentProcess agent, int count, long flashMillis, String portPrefix) {
        Map<String, Instant> pluggedAt = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String serial = bed.newSerial();
            bed.hub().plug(SimulatedBoard.normal(serial, portPrefix + (i + 1)).withTimes(flashMillis, 300));
            pluggedAt.put(serial, Instant.now());
        }
        Round round = awaitRound(agent, bed.dir().resolve("simulator"), pluggedAt);
        pluggedAt.keySet().forEach(serial -> bed.hub().unplug(serial));
        return round;
    }

    private static Round awaitRound(AgentProcess agent, Path log, Map<String, Instant> pluggedAt) {
        Instant first = pluggedAt.values().iterator().next();
        pluggedAt.keySet().forEach(serial -> agent.awaitEnded(serial, Duration.ofMinutes(3)));
        if (!pluggedAt.keySet().stream().allMatch(s -> agent.reached(s, "FLASH_JOB_STATE_DONE"))) {
            throw new IllegalStateException("a board of the parallel benchmark did not end DONE:\n" + agent.diagnostics());
        }
        List<JsonNode> events = agent.events();
        // Every event of the round, one JSON object a line, for a closer look at where a board's time went.
        try {
            Files.write(log.resolveSibling(log.getFileName() + "-events.jsonl"), events.stream()
                    .filter(e -> pluggedAt.containsKey(e.path("serial").asText())).map(JsonNode::toString).toList(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, double[]> phases = new LinkedHashMap<>();
        pluggedAt.keySet().forEach(s -> phases.put(s, new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}));
        Instant lastFlashed = first;
        Instant lastDone = first;
        for (JsonNode e : events) {
            String serial = e.path("serial").asText();
            double[] board = phases.get(serial);
            if (board == null) {
                continue;
            }
            Instant at = Instant.parse(e.path("occurredAt").asText());
            double since = Duration.between(pluggedAt.get(serial), at).toNanos() / 1e9;
            int phase = e.has("detected") ? 0 : e.has("flashStarted") ? 1 : e.has("flashed") ? 2 : e.has("done") ? 3 : -1;
            if (phase >= 0 && Double.isNaN(board[phase])) {
                board[phase] = since;
            }
            if (phase == 2 && at.isAfter(lastFlashed)) {
                lastFlashed = at;
            } else if (phase == 3 && at.isAfter(lastDone)) {
                lastDone = at;
            }
        }
        List<Board> boards = new ArrayList<>();
        phases.forEach((serial, p) -> boards.add(new Board(p[0], p[1], p[2], p[3], runningSince(log.resolve(serial + ".started"), pluggedAt.get(serial)))));
        return new Round(boards, Duration.between(first, lastFlashed).toNanos() / 1e9, Duration.between(first, lastDone).toNanos() / 1e9);
    }

    /** The phase over every board of the rounds. */
    private static Stats across(List<Round> rounds, ToDoubleFunction<Board> seconds) {
        Stats all = new Stats();
        rounds.forEach(r -> all.addAll(r.phase(seconds)));
        return all;
    }

    /** The phase's p50 and p95 over every board of the rounds, in milliseconds. */
    private static String p50p95(List<Round> rounds, ToDoubleFunction<Board> seconds) {
        Stats all = across(rounds, seconds);
        return String.format(Locale.ROOT, "%4.0f / %4.0f", all.percentileMillis(50), all.percentileMillis(95));
    }

    /** Seconds from {@code plugged} to the moment the stand-in wrote in {@code stamp}; NaN when there is none. */
    private static double runningSince(Path stamp, Instant plugged) {
        try {
            String nanos = Files.readString(stamp).strip();
            if (!nanos.matches("[0-9]{10,}")) {
                return Double.NaN;
            }
            long epochNanos = Long.parseLong(nanos);
            Instant ran = Instant.ofEpochSecond(epochNanos / 1_000_000_000L, epochNanos % 1_000_000_000L);
            return Duration.between(plugged, ran).toNanos() / 1e9;
        } catch (NoSuchFileException e) {
            return Double.NaN;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void report(String what, Round one, Round sixteen, long flashMillis) {
        double t = flashMillis / 1000.0;
        System.out.printf(Locale.ROOT, "%n-- %s --%n", what);
        System.out.printf(Locale.ROOT, "baseline, 1 board alone:   plug->flashed %.2f s, plug->done (MAC fused) %.2f s%n",
                one.toLastFlashed(), one.toLastDone());
        System.out.printf(Locale.ROOT, "%d boards at once:         plug->last flashed %.2f s, plug->last done %.2f s%n",
                sixteen.boards().size(), sixteen.toLastFlashed(), sixteen.toLastDone());
        System.out.printf(Locale.ROOT, "%d-board wall / 1-board wall (plug -> done) = %.3f (target <= 1.10; ideal 1.00, serial %d.00); "
                + "wall / T: 1 board %.2f, %d boards %.2f%n", sixteen.boards().size(), sixteen.toLastDone() / one.toLastDone(),
                sixteen.boards().size(), one.toLastDone() / t, sixteen.boards().size(), sixteen.toLastDone() / t);
        System.out.println("phase per board, seconds         |  1 board |  16: p50    p95    max");
        phaseLine("detect (plug -> detected)", one, sixteen, Board::detected);
        phaseLine("start (detected -> flashStarted)", one, sixteen, b -> b.started() - b.detected());
        phaseLine("flash (flashStarted -> flashed)", one, sixteen, b -> b.flashed() - b.started());
        phaseLine("after-flash (flashed -> done)", one, sixteen, b -> b.done() - b.flashed());
        phaseLine("plug -> flashStarted event", one, sixteen, Board::started);
        if (sixteen.boards().stream().noneMatch(b -> Double.isNaN(b.running()))) {
            phaseLine("plug -> programmer start (its clock)", one, sixteen, Board::running);
        }
        phaseLine("plug -> done", one, sixteen, Board::done);
    }

    private static void phaseLine(String name, Round one, Round sixteen, ToDoubleFunction<Board> seconds) {
        Stats alone = one.phase(seconds);
        Stats many = sixteen.phase(seconds);
        System.out.printf(Locale.ROOT, "%-33s | %8.3f | %9.3f %6.3f %6.3f%n", name, alone.percentileMillis(50) / 1000,
                many.percentileMillis(50) / 1000, many.percentileMillis(95) / 1000, many.percentileMillis(100) / 1000);
    }

    /**
     * CPU seconds per minute of the idle agent and the processes it started and waited for (the listings and their
     * output relays), from /proc.
     */
    private static double idleCpuSecondsPerMinute(AgentProcess agent) {
        // The JIT still compiles what the warm-up round made hot: a one-off cost, not the interval's. Measured once it is quiet.
        try {
            WarmUp.untilQuiet(agent.pid(), Duration.ZERO, SETTLE_LIMIT, () -> Await.sleep(Duration.ofSeconds(2)));
        } catch (Exception e) {
            throw new IllegalStateException("waiting for the agent's JIT to go quiet failed", e);
        }
        double before = ProcStat.cpuSecondsWithChildren(agent.pid());
        long start = System.nanoTime();
        Await.sleep(IDLE_WINDOW);
        double used = ProcStat.cpuSecondsWithChildren(agent.pid()) - before;
        return used / ((System.nanoTime() - start) / 60e9);
    }

    /** The stand-in script, copied out of the bench's jar into {@code dir}, executable. */
    private static Path standIn(Path dir) {
        try (InputStream script = ParallelBench.class.getResourceAsStream("STM32_Programmer_CLI")) {
            if (script == null) {
                throw new IllegalStateException("the programmer stand-in is missing from the bench's resources");
            }
            Files.createDirectories(dir);
            Path file = dir.resolve("STM32_Programmer_CLI");
            Files.copy(script, file, StandardCopyOption.REPLACE_EXISTING);
            if (!file.toFile().setExecutable(true)) {
                throw new IllegalStateException("cannot make " + file + " executable");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How long one {@code -l usb} of the stand-in takes with no boards, the mean of 20 runs. */
    private static double listingMillis(Path standIn, Path dir) {
        try {
            Path hub = Files.createDirectories(dir.resolve("stand-in-hub-empty"));
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                ProcessBuilder listing = new ProcessBuilder(standIn.toString(), "-l", "usb").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                listing.environment().put("FLASHRIG_SIM_HUB", hub.toString());
                listing.start().waitFor();
            }
            return (System.nanoTime() - start) / 20 / 1e6;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
