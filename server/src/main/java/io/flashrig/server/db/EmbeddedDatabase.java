package io.flashrig.server.db;

import com.sun.security.auth.module.UnixSystem;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A PostgreSQL server run by the FlashRig server itself, for demos and one-rig workshops, and the tests' database.
 *
 * <p>Layout of a data folder ({@code FLASHRIG_DATA_DIR}):
 * <pre>
 *   postgres/           the database cluster (PGDATA)
 *   runtime/            PostgreSQL's binaries, unpacked here (mode 0700) so that no other local user can plant any
 *   postgres.password   the superuser's generated password (mode 0600); the server and zonky log in with it
 * </pre>
 * A folder made by FlashRig 0.1 holds the cluster itself (PG_VERSION at its top); it stays where it is, gains
 * {@code runtime/} and {@code postgres.password} inside, and its trust logins are replaced by password logins.
 *
 * <p>Production points the server at its own PostgreSQL with {@code QUARKUS_DATASOURCE_JDBC_URL}; then nothing is started.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    /** Where the embedded database keeps its files unless {@code FLASHRIG_DATA_DIR} says otherwise. */
    public static final Path DEFAULT_DATA_DIR = Path.of("flashrig-data");

    private static final String USER = "postgres";
    private static final String DATABASE = "postgres";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final String PG_HBA = """
            # Written by FlashRig: every login needs the password kept in postgres.password beside the cluster.
            local   all           all                      scram-sha-256
            host    all           all      127.0.0.1/32    scram-sha-256
            host    all           all      ::1/128         scram-sha-256
            local   replication   all                      scram-sha-256
            host    replication   all      127.0.0.1/32    scram-sha-256
            host    replication   all      ::1/128         scram-sha-256
            """;
    /** One private folder per test JVM for the binaries, so that every test database does not unpack its own. */
    private static Path testRuntime;

    private final EmbeddedPostgres postgres;
    private final Layout layout;
    private final String password;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Layout layout, String password) {
        this.postgres = postgres;
        this.layout = layout;
        this.password = password;
    }

    /**
     * Starts the database people use (demo, workshop) on a free local port with its files in {@code dataDir},
     * reusing what an earlier run left there: every commit is flushed to disk before it is acknowledged, because a
     * MAC that reached a board's OTP must never be handed out again after a power cut.
     */
    public static EmbeddedDatabase start(Path dataDir) {
        Layout layout = Layout.of(dataDir.toAbsolutePath());
        return start(layout, layout.dataDir().resolve("runtime"), true);
    }

    /**
     * Test-only: as {@link #start(Path)}, but with fsync and synchronous commit off, which a power cut would punish
     * and a throw-away test database does not care about.
     */
    public static EmbeddedDatabase startForTests(Path dataDir) {
        Layout layout = Layout.of(dataDir.toAbsolutePath());
        return start(layout, sharedTestRuntime(), false);
    }

    private static synchronized Path sharedTestRuntime() {
        if (testRuntime == null) {
            try {
                // createTempDirectory makes the folder mode 0700 on POSIX systems.
                testRuntime = Files.createTempDirectory("flashrig-test-pg-runtime");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return testRuntime;
    }

    private static EmbeddedDatabase start(Layout layout, Path runtime, boolean durable) {
        requirePrivateFolder(layout.dataDir(), false);
        requirePrivateFolder(runtime, true);
        boolean clusterExists = Files.exists(layout.pgData().resolve("postgresql.conf"));
        String password = password(layout, clusterExists);
        boolean trustLogins = clusterExists && allowsTrust(layout.pgData());
        String onOff = durable ? "on" : "off";
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(layout.pgData())
                    .setCleanDataDirectory(false)
                    // zonky makes its working folder writable by everyone; inside our 0700 folder nobody else reaches it.
                    .setOverrideWorkingDirectory(runtime.resolve("zonky").toFile())
                    .setPgBinaryResolver(new PrivateBinaries(runtime))
                    // zonky runs "initdb -A trust"; these come after it and win, so that a new cluster never
                    // accepts a login without the password, not even for a moment.
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", layout.passwordFile().toString())
                    .setConnectConfig("password", password)
                    // zonky starts postgres with -F (fsync off); a later -c wins.
                    .setServerConfig("fsync", onOff)
                    .setServerConfig("synchronous_commit", onOff)
                    // The library gives up after 10 s; a first start (initdb) on a busy small machine can take longer.
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            EmbeddedDatabase database = new EmbeddedDatabase(postgres, layout, password);
            if (trustLogins) {
                try {
                    requirePasswordLogins(database);
                } catch (RuntimeException e) {
                    database.close();
                    throw e;
                }
            }
            return database;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + layout.pgData(), e);
        }
    }

    /** JDBC URL of the running database (without the password). */
    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    /** The superuser the server logs in as. */
    public String user() {
        return USER;
    }

    /** The superuser's password, kept in {@code postgres.password}. */
    public String password() {
        return password;
    }

    /** The Quarkus datasource settings that point the server at this database. */
    public Map<String, String> datasourceProperties() {
        return Map.of(
                "quarkus.datasource.jdbc.url", jdbcUrl(),
                "quarkus.datasource.username", USER,
                "quarkus.datasource.password", password);
    }

    /** The folder given at start ({@code FLASHRIG_DATA_DIR}). */
    public Path dataDir() {
        return layout.dataDir();
    }

    /** The cluster's own folder (PGDATA) inside the data folder. */
    public Path pgData() {
        return layout.pgData();
    }

    /** The file holding the superuser's password. */
    public Path passwordFile() {
        return layout.passwordFile();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop the embedded PostgreSQL in " + layout.pgData(), e);
        }
    }

    /**
     * Where the cluster and its password live in a data folder. A folder with PG_VERSION at its top was made by
     * FlashRig 0.1; its cluster stays in place, since moving a database's files is a risk nothing here needs.
     */
    record Layout(Path dataDir, Path pgData, Path passwordFile) {
        static Layout of(Path dataDir) {
            Path pgData = Files.exists(dataDir.resolve("PG_VERSION")) ? dataDir : dataDir.resolve("postgres");
            return new Layout(dataDir, pgData, dataDir.resolve("postgres.password"));
        }
    }

    private static String password(Layout layout, boolean clusterExists) {
        Path file = layout.passwordFile();
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                requireOwnerOnly(file, OWNER_ONLY_FILE, "file", "600");
                String password = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (password.isEmpty()) {
                    throw new DatabaseSetupException("The embedded database's password file " + file
                            + " is empty; restore it from a backup of the data folder.");
                }
                return password;
            }
            if (clusterExists && !allowsTrust(layout.pgData())) {
                throw new DatabaseSetupException("The embedded database in " + layout.pgData()
                        + " needs its password file " + file + ", which is missing; restore it from a backup of the "
                        + "data folder.");
            }
            byte[] secret = new byte[24];
            new SecureRandom().nextBytes(secret);
            String password = HexFormat.of().formatHex(secret);
            Path partial = file.resolveSibling(file.getFileName() + ".new");
            Files.deleteIfExists(partial);
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.writeString(partial, password + "\n", StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            return password;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or create the embedded database's password file " + file, e);
        }
    }

    /**
     * The data folder must not be writable by others (they could swap {@code runtime/}); the binaries' folder must be
     * the owner's alone. Either is created that way when missing.
     */
    private static void requirePrivateFolder(Path dir, boolean ownerOnly) {
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
                return;
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new DatabaseSetupException(dir + " must be a folder (not a file or a symbolic link) for the "
                        + "embedded database.");
            }
            if (ownerOnly) {
                requireOwnerOnly(dir, OWNER_ONLY_DIR, "folder", "700");
                return;
            }
            requireOwner(dir, "folder");
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new DatabaseSetupException("The embedded database's folder " + dir + " is writable by other "
                        + "users (mode " + PosixFilePermissions.toString(perms) + "); make it private with chmod 700.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare " + dir + " for the embedded database", e);
        }
    }

    private static void requireOwnerOnly(Path path, Set<PosixFilePermission> expected, String what, String mode)
            throws IOException {
        requireOwner(path, what);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        if (!perms.equals(expected)) {
            throw new DatabaseSetupException("The embedded database's " + what + " " + path + " must be private to its "
                    + "owner (mode " + PosixFilePermissions.toString(expected) + ") but is "
                    + PosixFilePermissions.toString(perms) + "; fix it with chmod " + mode + " if you made it, "
                    + "otherwise delete it.");
        }
    }

    private static void requireOwner(Path path, String what) throws IOException {
        long owner = ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        long me = new UnixSystem().getUid();
        if (owner != me) {
            throw new DatabaseSetupException("The embedded database's " + what + " " + path + " belongs to user id "
                    + owner + ", not to the server's user id " + me + "; it will not use a " + what
                    + " another user controls.");
        }
    }

    /**
     * A cluster made by FlashRig 0.1 ({@code initdb -A trust}) gets the generated password and password-only logins
     * the first time it starts here. Its postmaster accepts trust logins from this machine until the reload below,
     * as it did on every start before; a crash in between repeats the same steps with the same password.
     */
    private static void requirePasswordLogins(EmbeddedDatabase database) {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), USER, database.password);
                Statement s = c.createStatement()) {
            // The password is hex, so it needs no quoting beyond the literal's quotes.
            s.execute("ALTER ROLE " + USER + " PASSWORD '" + database.password + "'");
            Path hba = database.pgData().resolve("pg_hba.conf");
            Path partial = database.pgData().resolve("pg_hba.conf.new");
            Files.writeString(partial, PG_HBA, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(partial, hba, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (ResultSet reloaded = s.executeQuery("SELECT pg_reload_conf()")) {
                reloaded.next();
            }
            try (ResultSet rules = s.executeQuery("SELECT count(*) FROM pg_hba_file_rules "
                    + "WHERE auth_method <> 'scram-sha-256' OR error IS NOT NULL")) {
                rules.next();
                if (rules.getLong(1) != 0) {
                    throw new IllegalStateException("The embedded database in " + database.pgData()
                            + " did not take password-only logins from its new pg_hba.conf");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not require passwords on the embedded database in "
                    + database.pgData() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not require passwords on the embedded database in "
                    + database.pgData(), e);
        }
    }

    /** Whether pg_hba.conf has a rule that lets a client in without a password. */
    static boolean allowsTrust(Path pgData) {
        Path hba = pgData.resolve("pg_hba.conf");
        if (!Files.exists(hba)) {
            return false;
        }
        try (Stream<String> lines = Files.lines(hba, StandardCharsets.UTF_8)) {
            return lines.map(line -> line.replaceFirst("#.*", "").strip())
                    .filter(line -> !line.isEmpty())
                    .anyMatch(line -> List.of(line.split("\\s+")).contains("trust"));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + hba, e);
        }
    }

    /**
     * zonky's binaries, keyed by the folder they unpack into: zonky remembers one unpacked copy per resolver for the
     * life of the JVM, and a second database with another runtime folder must get its own copy, not the first one's.
     */
    private record PrivateBinaries(Path runtime) implements PgBinaryResolver {
        @Override
        public InputStream getPgBinary(String system, String architecture) throws IOException {
            return DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, architecture);
        }
    }
}
