package io.flashrig.e2e;

import io.flashrig.simulator.SimulatedBoard;
import io.flashrig.simulator.SimulatedHub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One factory in a folder: a real PostgreSQL, the packaged server, a MAC range, a simulated hub and agents, all
 * stopped by {@link #close()}. Folders stay under {@code target/e2e/} for post-mortems.
 */
public final class Testbed implements AutoCloseable {

    /**
     * The MAC range every testbed starts with: 4095 fusable addresses. Its first address ends in 00:00, which the
     * server must skip: its OTP word 58 would read blank after fusing.
     */
    public static final String FIRST_MAC = "04:D9:21:00:00:00";
    /** Last MAC of that range. */
    public static final String LAST_MAC = "04:D9:21:00:0F:FF";

    private static final AtomicInteger SERIALS = new AtomicInteger();

    private final Path dir;
    private final Database database;
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<AgentProcess> agents = new ArrayList<>();
    private final SimulatedHub hub;
    private final int serialPrefix;
    private TestCa ca;

    private Testbed(Path dir, Database database) {
        this.dir = dir;
        this.database = database;
        this.hub = new SimulatedHub(dir.resolve("hub"));
        this.serialPrefix = (int) (ProcessHandle.current().pid() & 0xFFFF);
    }

    /** Starts the database and one server, and adds the MAC range. */
    public static Testbed start(String name) {
        return start(name, Map.of());
    }

    /** As {@link #start(String)}, with extra environment for the server. */
    public static Testbed start(String name, Map<String, String> serverEnv) {
        return start(name, bed -> bed.startServer("server-1", serverEnv));
    }

    /** As {@link #start(String)}, the server serving only TLS, with a certificate signed by a CA made for it ({@link #ca()}). */
    public static Testbed startTls(String name) {
        return start(name, bed -> {
            bed.ca = TestCa.make(bed.dir.resolve("tls"));
            ServerProcess server = ServerProcess.startTls(bed.database, bed.dir, "server-1", bed.ca);
            bed.servers.add(server);
            return server;
        });
    }

    private static Testbed start(String name, Function<Testbed, ServerProcess> firstServer) {
        Path dir = Path.of(System.getProperty("flashrig.work", Workspace.root().resolve("e2e/target/e2e").toString()))
                .resolve(name + "-" + System.currentTimeMillis()).toAbsolutePath();
        try {
            Files.createDirectories(dir.resolve("hub"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Testbed bed = new Testbed(dir, Database.start(dir.resolve("pgdata")));
        try {
            firstServer.apply(bed).admin().addRange(FIRST_MAC, LAST_MAC, "e2e");
        } catch (RuntimeException | Error e) {
            bed.close();
            throw e;
        }
        return bed;
    }

    /** Starts one more server replica on the same database. */
    public ServerProcess startServer(String name, Map<String, String> env) {
        ServerProcess server = ServerProcess.start(database, dir, name, env);
        servers.add(server);
        return server;
    }

    /** The first server. */
    public ServerProcess server() {
        return servers.get(0);
    }

    /** The database. */
    public Database database() {
        return database;
    }

    /** The CA that signed the server's certificate; only for a testbed started with {@link #startTls(String)}. */
    public TestCa ca() {
        if (ca == null) {
            throw new IllegalStateException("this testbed's server is plaintext");
        }
        return ca;
    }

    /** The simulated hub. */
    public SimulatedHub hub() {
        return hub;
    }

    /** The testbed's folder. */
    public Path dir() {
        return dir;
    }

    /** Settings of an agent for a new rig {@code rigName} against the first server, state in {@code <dir>/<rigName>}. */
    public AgentProcess.Settings rig(String rigName) {
        String token = server().admin().createRig(rigName);
        return AgentProcess.Settings.of(server().baseUrl(), token, hub.directory(), dir.resolve(rigName));
    }

    /** Starts an agent with {@code settings} (adjusted), logged as {@code name}. */
    public AgentProcess startAgent(AgentProcess.Settings settings, String name, UnaryOperator<AgentProcess.Settings> adjust) {
        AgentProcess agent = AgentProcess.start(adjust.apply(settings), name);
        agents.add(agent);
        return agent;
    }

    /** A serial nobody used before in this JVM: 24 hex characters, never all zeros. */
    public String newSerial() {
        return String.format("%04X%04X%016X", 0xE2E0, serialPrefix, SERIALS.incrementAndGet());
    }

    /** Plugs {@code count} blank boards taking {@code flashMillis} each into ports 1-1.1, 1-1.2…; returns their serials. */
    public List<String> plug(int count, long flashMillis) {
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            serials.add(plug("1-1." + (i + 1), board -> board.withTimes(flashMillis, 300)));
        }
        return serials;
    }

    /** Plugs one board with a new serial into {@code port}, a blank normal board changed by {@code shape}; returns its serial. */
    public String plug(String port, UnaryOperator<SimulatedBoard> shape) {
        String serial = newSerial();
        hub.plug(shape.apply(SimulatedBoard.normal(serial, port)));
        return serial;
    }

    /** Stops every agent, server and the database. */
    @Override
    public void close() {
        agents.forEach(AgentProcess::close);
        servers.forEach(ServerProcess::close);
        database.close();
    }
}
