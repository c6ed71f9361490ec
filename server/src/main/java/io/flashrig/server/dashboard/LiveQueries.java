package io.flashrig.server.dashboard;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.pool.PoolAdminService;
import io.flashrig.server.release.ReleaseService;
import io.flashrig.server.rig.Rig;
import io.flashrig.server.sql.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.Session;

/** The reads behind the live view and the quality figures. Every query here has its index in V10. */
@ApplicationScoped
@ActivateRequestContext
public class LiveQueries {

    /** How far back the live view looks for boards in their slots. */
    private static final Duration LIVE_WINDOW = Duration.ofHours(12);
    /** How long a board stays in the live view after it was unplugged. */
    private static final Duration REMOVED_LINGER = Duration.ofMinutes(10);
    private static final Duration RATE_WINDOW = Duration.ofHours(24);
    /** The shortest period a rate of use is measured over, so that a first burst does not read as a flood. */
    private static final Duration RATE_FLOOR = Duration.ofHours(1);
    private static final int RECENT_FAILURES = 20;
    /** How far back the live view shows MAC alerts: an admin back from a weekend still sees Friday's. */
    private static final Duration ALERT_WINDOW = Duration.ofDays(7);
    private static final int RECENT_ALERTS = 20;
    private static final String ALERT = """
            SELECT a.id, a.kind, a.mac, a.serial, r.name, a.message, a.created_at
              FROM mac_alert a LEFT JOIN rig r ON r.id = a.rig_id""";
    private static final int TOP_FAILURES = 10;
    /** Event kinds after which the MAC pool's figures have changed. */
    private static final String[] POOL_EVENTS = {"MAC_WRITTEN", "MAC_VERIFIED", "OTP_READ", "DONE"};

    /** An attempt as the live view shows it, with the newest progress event while it is flashing. */
    private static final String BOARD = """
            r.name, a.serial, a.attempt_id, a.port_path, a.slot_label, a.power_up_order, a.state, a.mac,
            a.started_at, a.ended_at, a.last_event_at, a.outcome, a.failure_code, a.message, p.payload
              FROM flash_attempt a
              JOIN rig r ON r.id = a.rig_id
              LEFT JOIN LATERAL (SELECT e.payload FROM board_event e
                                  WHERE e.attempt_id = a.attempt_id::text AND e.kind = 'FLASH_PROGRESS'
                                  ORDER BY e.sequence DESC LIMIT 1) p ON a.state = 'FLASHING'""";

    private final EntityManager em;
    private final PoolAdminService pool;
    private final FlashRigConfig config;
    private final ReleaseService releases;

    LiveQueries(EntityManager em, PoolAdminService pool, FlashRigConfig config, ReleaseService releases) {
        this.em = em;
        this.releases = releases;
        this.pool = pool;
        this.config = config;
    }

    /**
     * The boards whose events were just committed, each once and as it stands now: events committed together notify
     * together, and an update shows the attempt's latest state rather than a step already overtaken, so a burst of
     * events about one board is one update. Two queries however many events.
     */
    @Transactional
    public BoardChanges boardsOfEvents(List<UUID> eventIds) {
        String[] ids = eventIds.stream().map(UUID::toString).toArray(String[]::new);
        List<LiveBoard> boards = query("SELECT " + BOARD + " WHERE a.attempt_id IN (SELECT e.attempt_id::uuid FROM"
                + " board_event e WHERE e.event_id = ANY(?::uuid[])) ORDER BY a.last_event_at, a.attempt_id",
                LiveQueries::board, (Object) ids);
        boolean poolChanged = query("SELECT EXISTS (SELECT 1 FROM board_event WHERE event_id = ANY(?::uuid[])"
                + " AND kind = ANY(?))", rs -> rs.getBoolean(1), ids, POOL_EVENTS).get(0);
        return new BoardChanges(boards, poolChanged);
    }

    /** What a burst of committed board events changed: the boards as they stand now, and whether the pool moved. */
    public record BoardChanges(List<LiveBoard> boards, boolean poolChanged) {
    }

    /** A MAC alert just committed. */
    @Transactional
    public Optional<LiveAlert> alert(long id) {
        return query(ALERT + " WHERE a.id = ?", LiveQueries::alert, id).stream().findFirst();
    }

    /**
     * The rigs in service among {@code ids}, as they stand now. Every request of board events touches its rig's row,
     * so a burst names many rigs: read together, with every rig's release once (issue 18: read per rig, the release
     * of every rig was read again for each).
     */
    @Transactional
    public List<LiveRig> rigs(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Instant now = Instant.now();
        Map<Long, ReleaseService.ReleaseName> releaseNames = releases.releaseNames();
        return Rig.<Rig>list("id in ?1 and revokedAt is null order by name", ids).stream()
                .map(r -> live(r, now, releaseNames)).toList();
    }

    @Transactional
    public Snapshot snapshot() {
        oneSnapshot();
        Instant now = Instant.now();
        Map<Long, ReleaseService.ReleaseName> releaseNames = releases.releaseNames();
        List<LiveRig> rigs = Rig.<Rig>list("revokedAt is null order by name").stream()
                .map(r -> live(r, now, releaseNames)).toList();
        // The newest attempt per slot (a slot is a hub port; without a port path the board stands for its slot),
        // with the newest progress event of those still flashing.
        List<LiveBoard> slots = query("SELECT DISTINCT ON (a.rig_id, COALESCE(NULLIF(a.port_path, ''), a.serial)) "
                + BOARD + " " + """
                 WHERE a.last_event_at > ? AND (a.removed_at IS NULL OR a.removed_at > ?) AND r.revoked_at IS NULL
                 ORDER BY a.rig_id, COALESCE(NULLIF(a.port_path, ''), a.serial), a.started_at DESC""",
                LiveQueries::board, now.minus(LIVE_WINDOW), now.minus(REMOVED_LINGER));
        List<Snapshot.Failure> failures = query("""
                SELECT r.name, a.serial, a.slot_label, a.port_path, COALESCE(a.failure_code, a.outcome), a.message,
                       a.ended_at
                  FROM flash_attempt a JOIN rig r ON r.id = a.rig_id
                 WHERE a.outcome IN ('FAILED', 'INTERRUPTED')
                 ORDER BY a.ended_at DESC LIMIT ?""", rs -> new Snapshot.Failure(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), Jdbc.instant(rs, 7)), RECENT_FAILURES);
        List<LiveAlert> alerts = query(ALERT + " WHERE a.created_at > ? ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
                LiveQueries::alert, now.minus(ALERT_WINDOW), RECENT_ALERTS);
        return new Snapshot(now, config.heartbeatInterval().toSeconds(), rigs, slots, failures, pool(), alerts);
    }

    @Transactional
    public PoolSummary pool() {
        PoolAdminService.PoolView view = pool.pool();
        Instant now = Instant.now();
        Object[] recent = query("""
                SELECT count(*), min(assigned_at) FROM mac_assignment WHERE origin = 'POOL' AND assigned_at > ?""",
                rs -> new Object[] {rs.getLong(1), Jdbc.instant(rs, 2)}, now.minus(RATE_WINDOW)).get(0);
        long handedOut = (long) recent[0];
        // A pool used for an hour only is measured over that hour, not diluted over a day it was not used.
        Duration measured = recent[1] == null ? RATE_WINDOW : Duration.between((Instant) recent[1], now);
        double hours = Math.max(RATE_FLOOR.toSeconds(), measured.toSeconds()) / 3600.0;
        double perHour = handedOut / hours;
        Double hoursLeft = perHour == 0 ? null : view.available() / perHour;
        return new PoolSummary(view.total(), view.assigned(), view.fused(), view.quarantined(), view.available(),
                perHour, hoursLeft);
    }

    @Transactional
    public Stats stats(int hours) {
        oneSnapshot();
        Instant to = Instant.now();
        Instant from = to.minus(Duration.ofHours(hours));
        String counts = """
                count(*), count(*) FILTER (WHERE a.outcome = 'DONE'), count(*) FILTER (WHERE a.outcome = 'FAILED'),
                count(*) FILTER (WHERE a.outcome = 'INTERRUPTED')""";
        List<Stats.RigYield> perRig = query("""
                SELECT r.name, %s FROM flash_attempt a JOIN rig r ON r.id = a.rig_id
                 WHERE a.ended_at >= ? AND a.outcome IS NOT NULL GROUP BY r.name ORDER BY r.name""".formatted(counts),
                rs -> new Stats.RigYield(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        Stats.yield(rs.getLong(3), rs.getLong(2))), from);
        List<Stats.SlotYield> perSlot = query("""
                SELECT r.name, COALESCE(NULLIF(a.slot_label, ''), NULLIF(a.port_path, ''), 'unknown') AS slot, %s
                  FROM flash_attempt a JOIN rig r ON r.id = a.rig_id
                 WHERE a.ended_at >= ? AND a.outcome IS NOT NULL
                 GROUP BY r.name, slot ORDER BY r.name, slot""".formatted(counts),
                rs -> new Stats.SlotYield(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), Stats.yield(rs.getLong(4), rs.getLong(3))), from);
        List<Stats.ReleaseYield> perRelease = query("""
                SELECT a.release_name, %s FROM flash_attempt a
                 WHERE a.ended_at >= ? AND a.outcome IS NOT NULL GROUP BY a.release_name
                 ORDER BY a.release_name NULLS LAST""".formatted(counts),
                rs -> new Stats.ReleaseYield(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        Stats.yield(rs.getLong(3), rs.getLong(2))), from);
        List<Stats.FailureCount> top = query("""
                SELECT COALESCE(a.failure_code, a.outcome) AS code, count(*),
                       (array_agg(a.message ORDER BY a.ended_at DESC))[1]
                  FROM flash_attempt a
                 WHERE a.ended_at >= ? AND a.outcome IN ('FAILED', 'INTERRUPTED')
                 GROUP BY code ORDER BY count(*) DESC, code LIMIT ?""",
                rs -> new Stats.FailureCount(rs.getString(1), rs.getLong(2), rs.getString(3)), from, TOP_FAILURES);
        Map<Instant, Stats.HourCount> perHour = new LinkedHashMap<>();
        for (Instant h = from.truncatedTo(ChronoUnit.HOURS); !h.isAfter(to); h = h.plus(Duration.ofHours(1))) {
            perHour.put(h, new Stats.HourCount(h, 0, 0));
        }
        query("""
                SELECT date_trunc('hour', a.ended_at, 'UTC'), count(*) FILTER (WHERE a.outcome = 'DONE'),
                       count(*) FILTER (WHERE a.outcome <> 'DONE')
                  FROM flash_attempt a WHERE a.ended_at >= ? AND a.outcome IS NOT NULL GROUP BY 1""",
                rs -> new Stats.HourCount(Jdbc.instant(rs, 1), rs.getLong(2), rs.getLong(3)), from)
                .forEach(h -> perHour.put(h.hour(), h));
        return new Stats(from, to, hours, perRig, perSlot, perRelease, top, List.copyOf(perHour.values()), pool());
    }

    private LiveRig live(Rig rig, Instant now, Map<Long, ReleaseService.ReleaseName> releaseNames) {
        ReleaseService.ReleaseName release = releaseNames.get(rig.id);
        return new LiveRig(rig.name, rig.connected(now, config.heartbeatInterval()), rig.lastSeen, rig.hostname,
                rig.agentVersion, rig.layoutName, rig.rejectedEvents, rig.lastRejection, rig.clockAheadSeconds,
                rig.clockSkewSeconds, release == null ? null : release.name(),
                release == null || !release.retired() ? null : Boolean.TRUE);
    }

    private static LiveAlert alert(ResultSet rs) throws SQLException {
        // An alert about a rig (past its quota of new MACs) names no MAC.
        Long mac = rs.getObject(3, Long.class);
        return new LiveAlert(rs.getLong(1), rs.getString(2), mac == null ? null : new MacAddress(mac).toString(),
                rs.getString(4), rs.getString(5), rs.getString(6), Jdbc.instant(rs, 7));
    }

    private static LiveBoard board(ResultSet rs) throws SQLException {
        FlashProgress progress = progress(rs.getBytes(15));
        return new LiveBoard(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                (Integer) rs.getObject(6), rs.getString(7),
                progress == null ? null : nameOf(progress), progress == null ? 0 : progress.getOverallPercent(),
                rs.getString(8), Jdbc.instant(rs, 9), Jdbc.instant(rs, 10), Jdbc.instant(rs, 11), rs.getString(12), rs.getString(13),
                rs.getString(14));
    }

    private static String nameOf(FlashProgress progress) {
        return progress.getPartitionName().isEmpty() ? progress.getPartitionId() : progress.getPartitionName();
    }

    private static FlashProgress progress(byte[] payload) {
        if (payload == null) {
            return null;
        }
        try {
            return BoardEvent.parseFrom(payload).getFlashProgress();
        } catch (InvalidProtocolBufferException e) {
            // Stored events were parsed once already; a payload that no longer parses only loses its progress bar.
            return null;
        }
    }

    /** Rigs, slots, failures and pool figures from one moment; first thing in the transaction. */
    private void oneSnapshot() {
        em.unwrap(Session.class).doWork(Jdbc::readOneSnapshot);
    }

    /** On the transaction's own connection, as every read of the live view. */
    private <T> List<T> query(String sql, Jdbc.Row<T> row, Object... params) {
        return em.unwrap(Session.class).doReturningWork(c -> Jdbc.query(c, sql, row, params));
    }
}
