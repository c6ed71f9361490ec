package io.flashrig.bench;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.e2e.Admin;
import io.flashrig.e2e.AgentProcess;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.Testbed;
import io.flashrig.e2e.Workspace;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * FlashRig's benchmarks: {@code java -jar bench/target/flashrig-bench.jar all|parallel|assign|fanin|footprint|delivery}, run
 * from the repository root after packaging server, agent and simulator. Every figure is printed next to a baseline
 * measured in the same run, with the machine and the date. See docs/benchmarks.md.
 */
public final class Bench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

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
                fanIn();
                footprint();
                DeliveryBench.run();
            }
            case "parallel" -> ParallelBench.run();
            case "assign" -> assign();
            case "fanin" -> fanIn();
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

    // ------------------------------------------------------------------------------------------------------- (3) fan-in

    private static void fanIn() throws Exception {
        Duration window = Duration.ofSeconds(15);
        int slots = 16;
        long periodMillis = 250;
        System.out.printf(Locale.ROOT, "%n== 3. Server fan-in: K simulated rigs x %d slots, each rig sends %d progress events every %d ms "
                + "(%.0f events/s offered per rig) on StreamBoardEvents, %d s per K ==%n", slots, slots, periodMillis,
                slots * 1000.0 / periodMillis, window.toSeconds());
        System.out.println("baseline: K = 1 (one rig). Ack latency = request sent -> response committing its last event.");
        System.out.println("Machine CPU: all processes (bench clients, server, PostgreSQL) as a share of every core; PostgreSQL"
                + " CPU: its processes only, same scale.");
        System.out.println("    K | offered ev/s | committed ev/s | ack p50 ms | ack p99 ms | server CPU % | PostgreSQL CPU % | machine CPU %"
                + " | server heap MiB | vs K=1 ev/s");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (Testbed bed = Testbed.start("bench-fanin")) {
            Admin admin = bed.server().admin();
            double baselineRate = Double.NaN;
            int rigs = 0;
            for (int k : new int[] {1, 2, 4, 8, 16, 32, 64}) {
                if (System.nanoTime() > deadline) {
                    System.out.println("stopped: the 3-minute budget of this benchmark is spent");
                    break;
                }
                List<String> tokens = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    tokens.add(admin.createRig("fan-" + k + "-" + (++rigs)));
                }
                FanInResult r = fanInRound(bed, tokens, slots, periodMillis, window);
                if (Double.isNaN(baselineRate)) {
                    baselineRate = r.committedPerSecond();
                }
                System.out.printf(Locale.ROOT, "%5d | %12.0f | %14.0f | %10.1f | %10.1f | %12.0f | %16.0f | %13.0f | %15.0f | %10.2f%n",
                        k, k * slots * 1000.0 / periodMillis, r.committedPerSecond(), r.latency().percentileMillis(50),
                        r.latency().percentileMillis(99), r.cpu() * 100, r.postgresCpu() * 100, r.machineCpu() * 100,
                        r.heapMiB(), r.committedPerSecond() / baselineRate);
                if (r.latency().percentileMillis(99) > 250) {
                    System.out.printf(Locale.ROOT, "ack p99 passed 250 ms at K = %d rigs (%d slots)%n", k, k * slots);
                    break;
                }
                if (k == 64) {
                    System.out.println("ack p99 stayed under 250 ms up to the bound K = 64");
                }
            }
        }
    }

    private record FanInResult(double committedPerSecond, Stats latency, double cpu, double postgresCpu, double machineCpu,
            double heapMiB) {
    }

    private static FanInResult fanInRound(Testbed bed, List<String> tokens, int slots, long periodMillis, Duration window)
            throws Exception {
        Stats latency = new Stats();
        AtomicLong committed = new AtomicLong();
        List<RigClient> clients = new ArrayList<>();
        List<StreamObserver<StreamBoardEventsRequest>> streams = new ArrayList<>();
        ScheduledExecutorService senders = Executors.newScheduledThreadPool(4);
        CountDownLatch done = new CountDownLatch(tokens.size());
        try {
            for (String token : tokens) {
                RigClient client = RigClient.forRig(bed.server().port(), token);
                clients.add(client);
                String queueId = UUID.randomUUID().toString();
                String session = client.rpc().openSession(OpenSessionRequest.newBuilder().setAgentVersion("bench")
                        .setLayoutName("bench.tsv").setLayoutSha256("0".repeat(64)).setSlotCount(slots).setQueueId(queueId)
                        .setHostname("bench").setFuseEnabled(true).build()).getSessionId();
                ConcurrentSkipListMap<Long, Long> sentAt = new ConcurrentSkipListMap<>();
                AtomicLong lastCommitted = new AtomicLong();
                StreamObserver<StreamBoardEventsRequest> out = client.async().streamBoardEvents(new StreamObserver<>() {
                    @Override
                    public void onNext(StreamBoardEventsResponse r) {
                        long now = System.nanoTime();
                        long through = r.getCommittedThroughSequence();
                        Map<Long, Long> acked = sentAt.headMap(through, true);
                        acked.values().forEach(t -> latency.add(now - t));
                        acked.clear();
                        long before = lastCommitted.getAndSet(Math.max(lastCommitted.get(), through));
                        if (through > before) {
                            committed.addAndGet(through - before);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        System.out.println("  a rig's stream ended: " + t);
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
                streams.add(out);
                String[] serials = new String[slots];
                String[] attempts = new String[slots];
                for (int i = 0; i < slots; i++) {
                    serials[i] = bed.newSerial();
                    attempts[i] = UUID.randomUUID().toString();
                }
                AtomicLong sequence = new AtomicLong();
                long[] tick = {0};
                senders.scheduleAtFixedRate(() -> {
                    StreamBoardEventsRequest.Builder request = StreamBoardEventsRequest.newBuilder().setSessionId(session);
                    Instant now = Instant.now();
                    for (int i = 0; i < slots; i++) {
                        BoardEvent.Builder e = BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                                .setSequence(sequence.incrementAndGet())
                                .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                                .setSerial(serials[i]).setAttemptId(attempts[i])
                                .setSlot(Slot.newBuilder().setPortPath("1-1." + (i + 1)).setPowerUpOrder(i + 1));
                        if (tick[0] == 0) {
                            e.setState(FlashJobState.FLASH_JOB_STATE_DETECTED).setDetected(BoardDetected.newBuilder()
                                    .setUsbProductId(0xDF11).setProduct("DFU in HS Mode"));
                        } else {
                            int percent = (int) Math.min(100, tick[0]);
                            e.setState(FlashJobState.FLASH_JOB_STATE_FLASHING).setFlashProgress(FlashProgress.newBuilder()
                                    .setPartitionId("0x23").setPartitionName("rootfs").setPartitionPercent(percent).setOverallPercent(percent));
                        }
                        request.addEvents(e);
                    }
                    tick[0]++;
                    sentAt.put(sequence.get(), System.nanoTime());
                    synchronized (out) {
                        out.onNext(request.build());
                    }
                }, 0, periodMillis, TimeUnit.MILLISECONDS);
            }
            // Discard the first two seconds (sessions opening, first boards detected), then measure the window.
            Await.sleep(Duration.ofSeconds(2));
            Stats warm = new Stats();
            warm.addAll(latency);
            long committedBefore = committed.get();
            int samplesBefore = latency.count();
            double cpuSum = 0;
            double heapMax = 0;
            int cpuSamples = 0;
            long[] machine0 = ProcStat.machineTicks();
            double postgres0 = ProcStat.postgresCpuSeconds();
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < window.toNanos()) {
                Await.sleep(Duration.ofSeconds(2));
                double[] m = metrics(bed.server().managementUrl());
                if (!Double.isNaN(m[0])) {
                    cpuSum += m[0];
                    cpuSamples++;
                }
                heapMax = Math.max(heapMax, m[1]);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] machine1 = ProcStat.machineTicks();
            double machineCpu = machine1[1] == machine0[1] ? Double.NaN
                    : (double) (machine1[0] - machine0[0]) / (machine1[1] - machine0[1]);
            double postgresCpu = (ProcStat.postgresCpuSeconds() - postgres0) / seconds
                    / Runtime.getRuntime().availableProcessors();
            Stats measured = new Stats();
            List<Long> all = latency.snapshot();
            all.subList(Math.min(samplesBefore, all.size()), all.size()).forEach(measured::add);
            return new FanInResult((committed.get() - committedBefore) / seconds, measured,
                    cpuSamples == 0 ? Double.NaN : cpuSum / cpuSamples, postgresCpu, machineCpu, heapMax / (1024 * 1024));
        } finally {
            senders.shutdownNow();
            senders.awaitTermination(5, TimeUnit.SECONDS);
            for (StreamObserver<StreamBoardEventsRequest> s : streams) {
                try {
                    synchronized (s) {
                        s.onCompleted();
                    }
                } catch (RuntimeException e) {
                    // already ended
                }
            }
            done.await(5, TimeUnit.SECONDS);
            clients.forEach(RigClient::close);
        }
    }

    /** process_cpu_usage (0-1 of the whole machine) and heap used in bytes from /q/metrics on the management port. */
    private static double[] metrics(String managementUrl) {
        try {
            String text = HTTP.send(HttpRequest.newBuilder(URI.create(managementUrl + "/q/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double cpu = Double.NaN;
            double heap = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith("process_cpu_usage")) {
                    cpu = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                } else if (line.startsWith("jvm_memory_used_bytes") && line.contains("area=\"heap\"")) {
                    heap += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return new double[] {cpu, heap};
        } catch (IOException | RuntimeException e) {
            return new double[] {Double.NaN, 0};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new double[] {Double.NaN, 0};
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
