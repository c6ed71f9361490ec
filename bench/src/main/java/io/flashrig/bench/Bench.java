package io.flashrig.bench;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.e2e.Admin;
import io.flashrig.e2e.AgentProcess;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.Testbed;
import io.flashrig.e2e.Workspace;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
                assign();
                FanInBench.run();
                footprint();
                DeliveryBench.run();
            }
            case "parallel" -> ParallelBench.run();
            case "assign" -> assign();
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

    // ------------------------------------------------------------------------------------------------------ (2) assign

    private static void assign() throws Exception {
        Duration window = Duration.ofSeconds(6);
        System.out.printf(Locale.ROOT, "%n== 2. MAC assignment: %d s per level, gRPC AssignMac (blocking stubs, one channel) vs "
                + "single-row UPDATE ... RETURNING over JDBC (autocommit), same PostgreSQL ==%n", window.toSeconds());
        // One rig takes tens of thousands of MACs here: its quota of new MACs per hour must not be what is measured.
        try (Testbed bed = Testbed.start("bench-assign", Map.of("FLASHRIG_RIG_NEW_MACS_PER_HOUR", "100000000"))) {
            Admin admin = bed.server().admin();
            admin.addRange("04:D9:30:00:00:00", "04:D9:3F:FF:FF:FF", "bench");
            String token = admin.createRig("bench-assign");
            try (Connection c = bed.database().connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bench_counter (id int PRIMARY KEY, next_value bigint NOT NULL)");
                s.execute("INSERT INTO bench_counter VALUES (1, 0)");
                StringBuilder settings = new StringBuilder();
                for (String name : List.of("server_version", "fsync", "synchronous_commit", "shared_buffers", "max_connections")) {
                    try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                        rs.next();
                        settings.append(name).append('=').append(rs.getString(1)).append(' ');
                    }
                }
                System.out.println("PostgreSQL (zonky embedded, as the tests use it): " + settings.toString().strip());
            }
            Map<String, String> serialByMac = new ConcurrentHashMap<>();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong calls = new AtomicLong();
            System.out.println("callers | gRPC assignments/s  p50 ms  p99 ms | JDBC UPDATE/s  p50 ms  p99 ms | gRPC/JDBC");
            try (RigClient rig = RigClient.forRig(bed.server().port(), token)) {
                // Warm-up, not counted in the figures (JIT, connection pools).
                runFor(Duration.ofSeconds(3), 8, () -> assignOnce(bed, rig, serialByMac, duplicates, calls));
                for (int callers : new int[] {1, 8, 32, 64}) {
                    Stats grpc = runFor(window, callers, () -> assignOnce(bed, rig, serialByMac, duplicates, calls));
                    Stats jdbc = runJdbcFor(bed, window, callers);
                    double grpcRate = grpc.count() / (double) window.toSeconds();
                    double jdbcRate = jdbc.count() / (double) window.toSeconds();
                    System.out.printf(Locale.ROOT, "%7d | %18.0f  %6.1f  %6.1f | %13.0f  %6.1f  %6.1f | %8.3f%n", callers, grpcRate,
                            grpc.percentileMillis(50), grpc.percentileMillis(99), jdbcRate, jdbc.percentileMillis(50),
                            jdbc.percentileMillis(99), grpcRate / jdbcRate);
                }
            }
            long rows = bed.database().number("SELECT count(*) FROM mac_assignment");
            long distinctMacs = bed.database().number("SELECT count(DISTINCT mac) FROM mac_assignment");
            long distinctSerials = bed.database().number("SELECT count(DISTINCT board_serial) FROM mac_assignment");
            System.out.printf(Locale.ROOT, "duplicates: %d MACs seen twice by callers; database: %d assignments, %d distinct MACs, %d "
                    + "distinct serials, %d calls made -> %s%n", duplicates.get(), rows, distinctMacs, distinctSerials, calls.get(),
                    duplicates.get() == 0 && rows == distinctMacs && rows == distinctSerials && rows == calls.get() ? "ZERO duplicates"
                            : "DUPLICATES FOUND");
        }
    }

    private static void assignOnce(Testbed bed, RigClient rig, Map<String, String> serialByMac, AtomicLong duplicates, AtomicLong calls) {
        String serial = bed.newSerial();
        String mac = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial)
                .setAttemptId(UUID.randomUUID().toString()).setRequestId(UUID.randomUUID().toString()).build()).getMac();
        calls.incrementAndGet();
        String other = serialByMac.putIfAbsent(mac, serial);
        if (other != null && !other.equals(serial)) {
            duplicates.incrementAndGet();
        }
    }

    private static Stats runFor(Duration window, int threads, Runnable call) throws InterruptedException {
        Stats stats = new Stats();
        long end = System.nanoTime() + window.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    call.run();
                    stats.add(System.nanoTime() - t0);
                }
            });
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        return stats;
    }

    private static Stats runJdbcFor(Testbed bed, Duration window, int threads) throws Exception {
        List<Connection> connections = new ArrayList<>();
        List<PreparedStatement> statements = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Connection c = bed.database().connect();
            connections.add(c);
            statements.add(c.prepareStatement("UPDATE bench_counter SET next_value = next_value + 1 WHERE id = 1 RETURNING next_value"));
        }
        AtomicLong next = new AtomicLong();
        java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        // Each caller thread owns one connection, as each gRPC caller has its own call.
        ThreadLocal<PreparedStatement> own = ThreadLocal.withInitial(() -> statements.get(taken.getAndIncrement()));
        try {
            return runFor(window, threads, () -> {
                try (ResultSet rs = own.get().executeQuery()) {
                    rs.next();
                    next.set(rs.getLong(1));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
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
