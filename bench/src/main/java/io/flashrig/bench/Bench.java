package io.flashrig.bench;

import io.flashrig.e2e.AgentProcess;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.Testbed;
import io.flashrig.e2e.Workspace;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;

/**
 * FlashRig's benchmarks: {@code java -jar bench/target/flashrig-bench.jar all|parallel|assign|fanin|footprint|delivery}, run
 * from the repository root after packaging server, agent and simulator. Every figure is printed next to a baseline
 * measured in the same run, with the machine and the date. See docs/benchmarks.md.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length == 0 ? "all" : args[0];
        if (!List.of("all", "parallel", "assign", "fanin", "footprint", "delivery").contains(what)) {
            System.err.println("usage: flashrig-bench all|parallel|assign|fanin|footprint|delivery");
            System.exit(2);
        }
        if (System.getProperty("flashrig.work") == null) {
            System.setProperty("flashrig.work", Workspace.root().resolve("bench/target/runs").toString());
        }
        machine();
        long start = System.nanoTime();
        switch (what) {
            case "all" -> {
                ParallelBench.run();
                AssignBench.run();
                FanInBench.run();
                footprint();
                DeliveryBench.run();
            }
            case "parallel" -> ParallelBench.run();
            case "assign" -> AssignBench.run();
            case "fanin" -> FanInBench.run();
            case "delivery" -> DeliveryBench.run();
            default -> footprint();
        }
        System.out.printf(Locale.ROOT, "%nbenchmarks finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.exit(0);
    }

    private static void machine() throws IOException {
        String memory = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().orElse("MemTotal: ?").replaceAll("\\s+", " ");
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        System.out.printf(Locale.ROOT, "FlashRig benchmarks, %s%n", ZonedDateTime.now());
        System.out.printf(Locale.ROOT, "machine: %d cores (%s), %s, %s %s; JVM %s %s; load average %s%n",
                Runtime.getRuntime().availableProcessors(), cpu, memory, System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    }

    // ---------------------------------------------------------------------------------------------------- (4) footprint

    private static void footprint() {
        long flashMillis = 8000;
        System.out.printf(Locale.ROOT, "%n== 4. Agent footprint (the agent JVM only, from /proc; programmer processes not counted) ==%n");
        try (Testbed bed = Testbed.start("bench-footprint")) {
            AgentProcess agent = bed.startAgent(bed.rig("bench-footprint"), "agent", s -> s);
            Await.sleep(Duration.ofSeconds(8));
            long pid = agent.pid();
            double cpu0 = ProcStat.cpuSeconds(pid);
            long t0 = System.nanoTime();
            double idleRss = 0;
            for (int i = 0; i < 10; i++) {
                Await.sleep(Duration.ofSeconds(1));
                idleRss = Math.max(idleRss, ProcStat.rssMiB(pid));
            }
            double idleCpu = (ProcStat.cpuSeconds(pid) - cpu0) / ((System.nanoTime() - t0) / 1e9);

            List<String> serials = bed.plug(16, flashMillis);
            double cpu1 = ProcStat.cpuSeconds(pid);
            long t1 = System.nanoTime();
            double busyRss = 0;
            while (!serials.stream().allMatch(agent::ended) && System.nanoTime() - t1 < Duration.ofMinutes(3).toNanos()) {
                Await.sleep(Duration.ofMillis(500));
                busyRss = Math.max(busyRss, ProcStat.rssMiB(pid));
            }
            double busySeconds = (System.nanoTime() - t1) / 1e9;
            double busyCpu = (ProcStat.cpuSeconds(pid) - cpu1) / busySeconds;
            System.out.printf(Locale.ROOT, "idle (baseline, 10 s, no boards): RSS max %.0f MiB, CPU %.1f %% of one core%n", idleRss, idleCpu * 100);
            System.out.printf(Locale.ROOT, "16 jobs running (%.0f s, T = %.0f s): RSS max %.0f MiB, CPU %.1f %% of one core%n",
                    busySeconds, flashMillis / 1000.0, busyRss, busyCpu * 100);
            System.out.printf(Locale.ROOT, "ratio busy/idle: RSS %.2f, CPU %.1f%n", busyRss / idleRss, busyCpu / Math.max(idleCpu, 1e-9));
        }
    }
}
