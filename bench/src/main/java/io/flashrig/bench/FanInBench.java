package io.flashrig.bench;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.testing.RigClient;
import io.flashrig.e2e.Admin;
import io.flashrig.e2e.Await;
import io.flashrig.e2e.Testbed;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Section 3, server fan-in: K simulated rigs in this process, each a gRPC client with its own token, session and event
 * queue, streaming 16 slots' progress four times a second to one packaged server. The baseline is one rig; then the
 * offered rate steps from K = 64 (4 096 events/s, issue 18's target) up to K = 256 (16 384 events/s), and stops at
 * the first step the server cannot keep up with (commits under 95 % of the offered rate, or a median ack over 1 s).
 *
 * <p>{@code -Dflashrig.fanin.rigs=1,64,128} chooses the steps; {@code -Dflashrig.fanin.jfr=FILE} records the server
 * with Java Flight Recorder (profile settings) into FILE, for {@code jfr print} / {@code jfr summary}.
 */
final class FanInBench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int SLOTS = 16;
    private static final long PERIOD_MILLIS = 250;
    private static final Duration WINDOW = Duration.ofSeconds(15);
    /** Rigs of the uncounted rounds that warm the server's JIT before the first counted step, and how long each lasts. */
    private static final int WARM_UP_RIGS = 64;
    private static final Duration WARM_ROUND = Duration.ofSeconds(4);
    /** A step whose committed rate falls below this share of the offered one is the limit: stepping stops there. */
    private static final double KEEPING_UP = 0.95;
    /** A median ack slower than this is a backlog growing: that step is the limit too. */
    private static final double BACKLOG_MILLIS = 1_000;

    private FanInBench() {
    }

    static void run() throws Exception {
        int[] steps = Arrays.stream(System.getProperty("flashrig.fanin.rigs", "1,64,128,192,256").split(","))
                .map(String::strip).mapToInt(Integer::parseInt).toArray();
        System.out.printf(Locale.ROOT, "%n== 3. Server fan-in: K simulated rigs x %d slots, each rig sends %d progress events every %d ms "
                + "(%.0f events/s offered per rig) on StreamBoardEvents, %d s per K ==%n", SLOTS, SLOTS, PERIOD_MILLIS,
                SLOTS * 1000.0 / PERIOD_MILLIS, WINDOW.toSeconds());
        System.out.println("baseline: K = 1 (one rig). Ack latency = request sent -> response committing its last event."
                + " Every rig flashes the default release, so every answer carries its pin.");
        System.out.println("CPU: server, PostgreSQL (all its processes), this bench process (the rigs) and the whole machine,"
                + " each as a share of every core.");
        Map<String, String> serverEnv = ServerRecording.env("flashrig.fanin.jfr");
        try (Testbed bed = Testbed.start("bench-fanin", serverEnv)) {
            Admin admin = bed.server().admin();
            defaultRelease(admin);
            List<String> tokens = new ArrayList<>();
            addRigs(admin, tokens, WARM_UP_RIGS);
            WarmUp.Done warm = WarmUp.untilCompiled(bed.server().pid(), () -> round(bed, tokens.subList(0, WARM_UP_RIGS), WARM_ROUND));
            System.out.printf(Locale.ROOT, "warm-up at K = %d, not counted: %s%n", WARM_UP_RIGS, warm.describe());
            // What the warm-up left queued is worked off before the first step, as between steps.
            Await.sleep(Duration.ofSeconds(3));
            System.out.println("    K | offered ev/s | committed ev/s | ack p50 ms | ack p99 ms | server CPU % | PostgreSQL CPU %"
                    + " | bench CPU % | machine CPU % | server heap MiB | vs K=1 ev/s");
            double baselineRate = Double.NaN;
            for (int k : steps) {
                addRigs(admin, tokens, k);
                Result r = round(bed, tokens.subList(0, k), WINDOW);
                double offered = k * SLOTS * 1000.0 / PERIOD_MILLIS;
                if (Double.isNaN(baselineRate)) {
                    baselineRate = r.committedPerSecond();
                }
                System.out.printf(Locale.ROOT, "%5d | %12.0f | %14.0f | %10.1f | %10.1f | %12.0f | %16.0f | %11.0f | %13.0f"
                        + " | %15.0f | %10.2f%n", k, offered, r.committedPerSecond(), r.latency().percentileMillis(50),
                        r.latency().percentileMillis(99), r.cpu() * 100, r.postgresCpu() * 100, r.benchCpu() * 100,
                        r.machineCpu() * 100, r.heapMiB(), r.committedPerSecond() / baselineRate);
                if (r.committedPerSecond() < KEEPING_UP * offered || r.latency().percentileMillis(50) > BACKLOG_MILLIS) {
                    System.out.printf(Locale.ROOT, "limit: at K = %d (%.0f events/s offered) the server committed %.0f %%"
                            + " of what was offered, median ack %.0f ms; stepping stops%n", k, offered,
                            100 * r.committedPerSecond() / offered, r.latency().percentileMillis(50));
                    break;
                }
                // Whatever the step left queued is worked off before the next one starts.
                Await.sleep(Duration.ofSeconds(3));
            }
        }
    }

    /** Creates rigs until {@code tokens} holds {@code count} of them. */
    private static void addRigs(Admin admin, List<String> tokens, int count) {
        while (tokens.size() < count) {
            tokens.add(admin.createRig("fan-" + (tokens.size() + 1)));
        }
    }

    /** Every rig flashes one default release, as in a factory that uses releases: every answer then carries a pin. */
    private static void defaultRelease(Admin admin) {
        String release = "{\"name\":\"fanin-1\",\"layout\":\"bench.tsv\",\"files\":{\"bench.tsv\":\"" + "a".repeat(64)
                + "\",\"rootfs.ext4\":\"" + "b".repeat(64) + "\"}}";
        Admin.Reply created = admin.post("/api/v1/releases", release);
        Admin.Reply chosen = admin.put("/api/v1/releases/default", "{\"release\":\"fanin-1\"}");
        if (created.status() != 201 || chosen.status() != 200) {
            throw new IllegalStateException("the bench's default release was refused: " + created + " / " + chosen);
        }
    }

    private record Result(double committedPerSecond, Stats latency, double cpu, double postgresCpu, double benchCpu,
            double machineCpu, double heapMiB) {
    }

    private static Result round(Testbed bed, List<String> tokens, Duration window) throws Exception {
        Stats latency = new Stats();
        AtomicLong committed = new AtomicLong();
        List<RigClient> clients = new ArrayList<>();
        List<StreamObserver<StreamBoardEventsRequest>> streams = new ArrayList<>();
        ScheduledExecutorService senders = Executors.newScheduledThreadPool(4);
        CountDownLatch done = new CountDownLatch(tokens.size());
        // Streams still working off a backlog are cut when the round ends: that is no failure worth a line.
        AtomicBoolean ending = new AtomicBoolean();
        try {
            for (String token : tokens) {
                RigClient client = RigClient.forRig(bed.server().port(), token);
                clients.add(client);
                String queueId = UUID.randomUUID().toString();
                String session = client.rpc().openSession(OpenSessionRequest.newBuilder().setAgentVersion("bench")
                        .setLayoutName("bench.tsv").setLayoutSha256("0".repeat(64)).setSlotCount(SLOTS).setQueueId(queueId)
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
                        if (!ending.get()) {
                            System.out.println("  a rig's stream ended: " + t);
                        }
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
                streams.add(out);
                String[] serials = new String[SLOTS];
                String[] attempts = new String[SLOTS];
                for (int i = 0; i < SLOTS; i++) {
                    serials[i] = bed.newSerial();
                    attempts[i] = UUID.randomUUID().toString();
                }
                AtomicLong sequence = new AtomicLong();
                long[] tick = {0};
                senders.scheduleAtFixedRate(() -> {
                    StreamBoardEventsRequest.Builder request = StreamBoardEventsRequest.newBuilder().setSessionId(session);
                    Instant now = Instant.now();
                    for (int i = 0; i < SLOTS; i++) {
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
                }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
            // Discard the first two seconds (sessions opening, first boards detected), then measure the window.
            Await.sleep(Duration.ofSeconds(2));
            long committedBefore = committed.get();
            int samplesBefore = latency.count();
            double cpuSum = 0;
            double heapMax = 0;
            int cpuSamples = 0;
            ProcStat.Sample cpu0 = ProcStat.Sample.now(-1);
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
            ProcStat.Sample cpu1 = ProcStat.Sample.now(-1);
            double machineCpu = cpu1.machineBusySince(cpu0);
            int cores = Runtime.getRuntime().availableProcessors();
            double postgresCpu = (cpu1.postgres() - cpu0.postgres()) / seconds / cores;
            double benchCpu = (cpu1.bench() - cpu0.bench()) / seconds / cores;
            Stats measured = new Stats();
            List<Long> all = latency.snapshot();
            all.subList(Math.min(samplesBefore, all.size()), all.size()).forEach(measured::add);
            return new Result((committed.get() - committedBefore) / seconds, measured,
                    cpuSamples == 0 ? Double.NaN : cpuSum / cpuSamples, postgresCpu, benchCpu, machineCpu,
                    heapMax / (1024 * 1024));
        } finally {
            ending.set(true);
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
}
