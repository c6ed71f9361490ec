package io.flashrig.bench;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.e2e.Admin;
import io.flashrig.e2e.Testbed;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark 2, MAC assignment: gRPC {@code AssignMac} against the packaged server versus a single-row
 * {@code UPDATE ... RETURNING} loop over JDBC on the same PostgreSQL, at 1, 8, 32 and 64 callers, in two shapes:
 * every caller on one rig (one token, one channel: every call passes that rig's quota), and the factory's shape, rigs
 * of 16 slots (a rig per 16 callers, each rig its own token and channel, as each rig computer has). The JDBC baseline
 * is measured once per level and is the denominator of both shapes' ratios.
 *
 * <p>Beside them, the floor of any gRPC call on this machine: the server's gRPC health check ({@code
 * grpc.health.v1.Health/Check}: no token, no database) through the same channels. An assignment cannot be cheaper than
 * that, so it says how much of the ratio the allocator still holds and how much is the transport's.
 *
 * <p>System properties, for profiling one level: {@code flashrig.assign.callers} (default {@code 1,8,32,64}),
 * {@code flashrig.assign.seconds} (default 6); {@code flashrig.assign.jfr=FILE} records the server with Java Flight
 * Recorder (profile settings) into FILE.
 */
final class AssignBench {

    /** A rig computer's slots: the callers one rig brings in the factory's shape. */
    private static final int SLOTS_PER_RIG = 16;
    /** A warm-up round. */
    private static final Duration WARM_ROUND = Duration.ofSeconds(3);

    /** Every MAC the callers got, with its serial; and every call made. */
    private record Seen(Map<String, String> serialByMac, AtomicLong duplicates, AtomicLong calls) {
        Seen() {
            this(new ConcurrentHashMap<>(), new AtomicLong(), new AtomicLong());
        }
    }

    /** The health check as raw bytes: an empty request asks for the server as a whole; the answer is not read. */
    private static final MethodDescriptor<byte[], byte[]> HEALTH_CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("grpc.health.v1.Health/Check")
            .setRequestMarshaller(new RawBytes())
            .setResponseMarshaller(new RawBytes())
            .build();

    private AssignBench() {
    }

    static void run() throws Exception {
        Duration window = Duration.ofSeconds(Long.getLong("flashrig.assign.seconds", 6));
        int[] levels = Arrays.stream(System.getProperty("flashrig.assign.callers", "1,8,32,64").split(","))
                .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        int mostRigs = (Arrays.stream(levels).max().orElse(1) + SLOTS_PER_RIG - 1) / SLOTS_PER_RIG;
        System.out.printf(Locale.ROOT, "%n== 2. MAC assignment: %d s per level, gRPC AssignMac (blocking stubs) vs "
                + "single-row UPDATE ... RETURNING over JDBC (autocommit), same PostgreSQL ==%n", window.toSeconds());
        // A rig takes tens of thousands of MACs here: its quota of new MACs per hour must not be what is measured.
        Map<String, String> serverEnv = new HashMap<>(Map.of("FLASHRIG_RIG_NEW_MACS_PER_HOUR", "100000000"));
        serverEnv.putAll(ServerRecording.env("flashrig.assign.jfr"));
        try (Testbed bed = Testbed.start("bench-assign", serverEnv)) {
            Admin admin = bed.server().admin();
            admin.addRange("04:D9:30:00:00:00", "04:D9:3F:FF:FF:FF", "bench");
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
            Seen seen = new Seen();
            List<RigClient> rigs = new ArrayList<>();
            try {
                for (int i = 0; i < mostRigs; i++) {
                    rigs.add(RigClient.forRig(bed.server().port(), admin.createRig("bench-assign-" + (i + 1))));
                }
                // Warm-up, not counted in the figures. At the most callers, long enough to open the whole connection pool
                // (each new database session compiles the allocator's functions on its first calls).
                long server = bed.server().pid();
                int warmCallers = Arrays.stream(levels).max().orElse(8);
                WarmUp.Done warm = WarmUp.untilCompiled(server,
                        () -> runFor(WARM_ROUND, warmCallers, caller -> assignOnce(bed, rigs.get(caller / SLOTS_PER_RIG % rigs.size()), seen)));
                System.out.printf(Locale.ROOT, "warm-up at %d callers: %s%n", warmCallers, warm.describe());
                System.out.println("one rig: every caller on rig 1 (one token, one channel); rigs of 16: a rig per 16 callers,"
                        + " each its own token and channel; gRPC floor: the health check through the rigs of 16's channels"
                        + " (no token, no database)");
                System.out.println("callers | shape      rigs | gRPC assignments/s  p50 ms  p99 ms | JDBC UPDATE/s  p50 ms  p99 ms"
                        + " | gRPC/JDBC");
                for (int callers : levels) {
                    int ownRigs = (callers + SLOTS_PER_RIG - 1) / SLOTS_PER_RIG;
                    Measured oneRig = measure(server, () -> runFor(window, callers, caller -> assignOnce(bed, rigs.get(0), seen)));
                    Measured rigsOf16 = ownRigs == 1 ? null : measure(server,
                            () -> runFor(window, callers, caller -> assignOnce(bed, rigs.get(caller / SLOTS_PER_RIG), seen)));
                    Measured floor = measure(server,
                            () -> runFor(window, callers, caller -> healthCheck(rigs.get(caller / SLOTS_PER_RIG))));
                    Measured jdbc = runJdbcFor(bed, server, window, callers);
                    print(callers, "one rig", 1, oneRig, jdbc, window);
                    if (rigsOf16 != null) {
                        print(callers, "rigs of 16", ownRigs, rigsOf16, jdbc, window);
                    }
                    print(callers, "gRPC floor", ownRigs, floor, jdbc, window);
                    printCpu(callers, oneRig, rigsOf16, floor, jdbc);
                }
            } finally {
                rigs.forEach(RigClient::close);
            }
            long rows = bed.database().number("SELECT count(*) FROM mac_assignment");
            long distinctMacs = bed.database().number("SELECT count(DISTINCT mac) FROM mac_assignment");
            long distinctSerials = bed.database().number("SELECT count(DISTINCT board_serial) FROM mac_assignment");
            System.out.printf(Locale.ROOT, "duplicates: %d MACs seen twice by callers; database: %d assignments, %d distinct MACs, %d "
                    + "distinct serials, %d calls made -> %s%n", seen.duplicates().get(), rows, distinctMacs, distinctSerials,
                    seen.calls().get(), seen.duplicates().get() == 0 && rows == distinctMacs && rows == distinctSerials
                            && rows == seen.calls().get() ? "ZERO duplicates" : "DUPLICATES FOUND");
        }
    }

    private static void print(int callers, String shape, int rigs, Measured grpc, Measured jdbc, Duration window) {
        double grpcRate = grpc.stats().count() / (double) window.toSeconds();
        double jdbcRate = jdbc.stats().count() / (double) window.toSeconds();
        System.out.printf(Locale.ROOT, "%7d | %-10s %4d | %18.0f  %6.1f  %6.1f | %13.0f  %6.1f  %6.1f | %8.3f%n", callers, shape,
                rigs, grpcRate, grpc.stats().percentileMillis(50), grpc.stats().percentileMillis(99), jdbcRate,
                jdbc.stats().percentileMillis(50), jdbc.stats().percentileMillis(99), grpcRate / jdbcRate);
    }

    /** Where each call's CPU went: the ratio is, near enough, the baseline's CPU per call over an assignment's. */
    private static void printCpu(int callers, Measured oneRig, Measured rigsOf16, Measured floor, Measured jdbc) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%7d | CPU us per call (server / PostgreSQL / bench"
                + " callers; machine busy): ", callers));
        append(line, "one rig", oneRig);
        if (rigsOf16 != null) {
            append(line, "rigs of 16", rigsOf16);
        }
        append(line, "floor", floor);
        append(line, "JDBC", jdbc);
        System.out.println(line.toString().stripTrailing());
    }

    private static void append(StringBuilder line, String shape, Measured m) {
        line.append(String.format(Locale.ROOT, "%s %.0f / %.0f / %.0f (%.0f%%); ", shape, m.serverMicros(), m.postgresMicros(),
                m.benchMicros(), m.machineBusy() * 100));
    }

    /** A round's calls and the CPU each call cost, by process. */
    private record Measured(Stats stats, double serverMicros, double postgresMicros, double benchMicros, double machineBusy) {
    }

    private interface Round {
        Stats run() throws Exception;
    }

    private static Measured measure(long serverPid, Round round) throws Exception {
        ProcStat.Sample before = ProcStat.Sample.now(serverPid);
        Stats stats = round.run();
        ProcStat.Sample after = ProcStat.Sample.now(serverPid);
        double calls = Math.max(1, stats.count());
        return new Measured(stats, (after.server() - before.server()) * 1e6 / calls,
                (after.postgres() - before.postgres()) * 1e6 / calls, (after.bench() - before.bench()) * 1e6 / calls,
                after.machineBusySince(before));
    }


    private static void assignOnce(Testbed bed, RigClient rig, Seen seen) {
        String serial = bed.newSerial();
        String mac = rig.rpc().assignMac(AssignMacRequest.newBuilder().setSerial(serial)
                .setAttemptId(uuid()).setRequestId(uuid()).build()).getMac();
        seen.calls().incrementAndGet();
        String other = seen.serialByMac().putIfAbsent(mac, serial);
        if (other != null && !other.equals(serial)) {
            seen.duplicates().incrementAndGet();
        }
    }

    private static void healthCheck(RigClient rig) {
        ClientCalls.blockingUnaryCall(rig.rpc().getChannel(), HEALTH_CHECK, CallOptions.DEFAULT, new byte[0]);
    }

    /** Passes a message's bytes as they are. */
    private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A random id as an agent sends one; not UUID.randomUUID(), whose one SecureRandom the 64 callers would queue on. */
    private static String uuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong() & ~0xF000L | 0x4000L, random.nextLong() & ~(3L << 62) | (1L << 63)).toString();
    }

    /** A caller's one call; {@code caller} is its number, 0 to threads - 1. */
    private interface Call {
        void run(int caller);
    }

    private static Stats runFor(Duration window, int threads, Call call) throws InterruptedException {
        Stats stats = new Stats();
        long end = System.nanoTime() + window.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int caller = i;
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    call.run(caller);
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

    /** Measured with the connections open: a backend that ends is counted only once its postmaster has reaped it. */
    private static Measured runJdbcFor(Testbed bed, long serverPid, Duration window, int threads) throws Exception {
        List<Connection> connections = new ArrayList<>();
        List<PreparedStatement> statements = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Connection c = bed.database().connect();
            connections.add(c);
            statements.add(c.prepareStatement("UPDATE bench_counter SET next_value = next_value + 1 WHERE id = 1 RETURNING next_value"));
        }
        try {
            // Each caller owns one connection, as each gRPC caller has its own call.
            return measure(serverPid, () -> runFor(window, threads, caller -> {
                try (ResultSet rs = statements.get(caller).executeQuery()) {
                    rs.next();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }));
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }
}
