package io.flashrig.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Timestamp;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.e2e.Admin;
import io.flashrig.e2e.AgentProcess;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.Testbed;
import io.flashrig.e2e.Workspace;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import io.flashrig.simulator.SimulatedBoard;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
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
                parallel();
                AssignBench.run();
                fanIn();
                footprint();
                DeliveryBench.run();
            }
            case "parallel" -> parallel();
            case "assign" -> AssignBench.run();
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

    // ---------------------------------------------------------------------------------------------------- (1) parallel

    private record FlashRun(int boards, double toFlashedSeconds, double toDoneSeconds, Stats plugToStart) {
    }

    private static void parallel() {
        long flashMillis = 6000;
        System.out.printf(Locale.ROOT, "%n== 1. Parallel efficiency: boards whose flash takes T = %.1f s each, agent --parallel 16 ==%n",
                flashMillis / 1000.0);
        try (Testbed bed = Testbed.start("bench-parallel")) {
            AgentProcess agent = bed.startAgent(bed.rig("bench-parallel"), "agent", s -> s);
            Await.sleep(Duration.ofSeconds(3));
            FlashRun one = flash(bed, agent, 1, flashMillis, "1-2.");
            FlashRun sixteen = flash(bed, agent, 16, flashMillis, "1-1.");
            double t = flashMillis / 1000.0;
            System.out.printf(Locale.ROOT, "baseline, 1 board alone:   plug->flashed %.2f s, plug->done (MAC fused) %.2f s%n",
                    one.toFlashedSeconds(), one.toDoneSeconds());
            System.out.printf(Locale.ROOT, "16 boards at once:         plug->last flashed %.2f s, plug->last done %.2f s%n",
                    sixteen.toFlashedSeconds(), sixteen.toDoneSeconds());
            System.out.printf(Locale.ROOT, "wall/T (ideal 1.00): 1 board %.2f, 16 boards %.2f; 16-board wall / 1-board wall = %.2f "
                    + "(ideal 1.00; serial flashing would be 16.00)%n", one.toFlashedSeconds() / t, sixteen.toFlashedSeconds() / t,
                    sixteen.toDoneSeconds() / one.toDoneSeconds());
            System.out.printf(Locale.ROOT, "plug -> programmer start, cli watcher (poll 500 ms): 1 board %.0f ms; 16 boards p50 %.0f ms, "
                    + "p95 %.0f ms%n", one.plugToStart().percentileMillis(50), sixteen.plugToStart().percentileMillis(50),
                    sixteen.plugToStart().percentileMillis(95));
            System.out.println("usb watcher: not measured - usb4java hot-plug cannot see simulated boards (no real USB devices here)");
        }
    }

    private static FlashRun flash(Testbed bed, AgentProcess agent, int count, long flashMillis, String portPrefix) {
        Map<String, Instant> pluggedAt = new LinkedHashMap<>();
        Instant start = Instant.now();
        for (int i = 0; i < count; i++) {
            String serial = bed.newSerial();
            bed.hub().plug(SimulatedBoard.normal(serial, portPrefix + (i + 1)).withTimes(flashMillis, 300));
            pluggedAt.put(serial, Instant.now());
        }
        pluggedAt.keySet().forEach(serial -> agent.awaitEnded(serial, Duration.ofMinutes(3)));
        Stats plugToStart = new Stats();
        Instant lastFlashed = start;
        Instant lastDone = start;
        for (JsonNode e : agent.events()) {
            Instant plugged = pluggedAt.get(e.path("serial").asText());
            if (plugged == null) {
                continue;
            }
            Instant at = Instant.parse(e.path("occurredAt").asText());
            if (e.has("flashStarted")) {
                plugToStart.add(Duration.between(plugged, at).toNanos());
            } else if (e.has("flashed") && at.isAfter(lastFlashed)) {
                lastFlashed = at;
            } else if (e.has("done") && at.isAfter(lastDone)) {
                lastDone = at;
            }
        }
        if (!pluggedAt.keySet().stream().allMatch(s -> agent.reached(s, "FLASH_JOB_STATE_DONE"))) {
            throw new IllegalStateException("a board of the parallel benchmark did not end DONE:\n" + agent.diagnostics());
        }
        pluggedAt.keySet().forEach(serial -> bed.hub().unplug(serial));
        return new FlashRun(count, Duration.between(start, lastFlashed).toMillis() / 1000.0,
                Duration.between(start, lastDone).toMillis() / 1000.0, plugToStart);
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
