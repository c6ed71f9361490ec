package io.flashrig.server.board;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.Quoted;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Page;
import io.flashrig.server.api.PageRequest;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.pool.MacAssignment;
import io.flashrig.server.sql.Jdbc;
import io.quarkus.narayana.jta.runtime.TransactionConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.hibernate.ScrollMode;
import org.hibernate.ScrollableResults;
import org.hibernate.Session;
import org.hibernate.query.Query;

/** Reads boards and their flash attempts for the admin API. */
@ApplicationScoped
public class BoardService {

    /** A board in a list. */
    public record BoardSummary(String serial, String mac, String macState, String state, String rig,
            Instant firstSeen, Instant lastSeen, String release) {
    }

    /** Time spent in each phase of an attempt, derived from its event times; null while unknown. */
    public record Phases(Long waitMillis, Long flashMillis, Long fuseMillis, Long totalMillis) {
    }

    /**
     * One flash attempt of a board; {@code rigClockOff} when its rig's clock ran ahead, so that its times are when the
     * server received its events; {@code release} the release its image was verified against (null: none).
     */
    public record AttemptView(String attemptId, String rig, String portPath, String slotLabel, Integer powerUpOrder,
            String layoutName, String layoutSha256, String release, String releaseManifestSha256, String state, Instant startedAt, Instant endedAt, String outcome,
            String failureCode, String message, List<String> programmerOutputTail, String mac, Phases phases,
            boolean rigClockOff) {
    }

    /** Everything known about one board. */
    public record BoardDetail(String serial, String mac, String macState, String macOrigin, String state,
            Instant firstSeen, Instant lastSeen, List<AttemptView> attempts) {
    }

    /** An event as a rig sent it, for engineers tracing a board. */
    public record EventView(String eventId, String rig, long sequence, String kind, Instant occurredAt,
            Instant receivedAt, String rejectedReason) {
    }

    /** Validated list filters; null means "any". */
    public record Filter(String state, String rig, Instant since) {
    }

    /** Takes the CSV export's boards one at a time; it fails when the client has gone. */
    @FunctionalInterface
    public interface ExportSink {
        void accept(BoardSummary board) throws IOException;
    }

    /** Rows the export reads per round trip to the database: few round trips, yet a bounded amount of memory. */
    static final int EXPORT_FETCH_SIZE = 500;
    /**
     * The export's transaction lasts as long as the client takes to read hundreds of thousands of rows, well past the
     * default 60 s on a slow link; a read-only transaction holds no lock that anyone waits for.
     */
    private static final int EXPORT_TIMEOUT_SECONDS = 15 * 60;
    /** When a refused export is worth asking for again: soon for a person, yet no hammering of a busy server. */
    private static final Duration EXPORT_RETRY_AFTER = Duration.ofSeconds(30);
    private static final String SUMMARY = "select b.serial, a.mac, a.state, b.state, r.name, b.firstSeen, b.lastSeen, f.releaseName";
    private static final String NEWEST_FIRST = " order by b.lastSeen desc, b.serial";

    private static final Set<String> STATES = Arrays.stream(FlashJobState.values())
            .filter(s -> s != FlashJobState.FLASH_JOB_STATE_UNSPECIFIED && s != FlashJobState.UNRECOGNIZED)
            .map(WireNames::shortName)
            .collect(Collectors.toCollection(java.util.TreeSet::new));

    private final EntityManager em;
    private final int maxExports;
    /** Places for the exports running now; each holds a worker thread and a database connection while it lasts. */
    private final Semaphore exports;

    BoardService(EntityManager em, FlashRigConfig config) {
        this.em = em;
        this.maxExports = config.maxConcurrentExports();
        this.exports = new Semaphore(Math.max(0, maxExports));
    }

    public static Filter filter(String state, String rig, String since) {
        String upperState = state == null || state.isEmpty() ? null : state.toUpperCase(Locale.ROOT);
        if (upperState != null && !STATES.contains(upperState)) {
            throw DomainException.invalid("state must be one of " + String.join(", ", STATES) + ", not '"
                    + Quoted.of(state) + "'.");
        }
        return new Filter(upperState, rig == null || rig.isEmpty() ? null : rig, parseSince(since));
    }

    @Transactional
    public Page<BoardSummary> list(Filter filter, PageRequest page) {
        List<BoardSummary> items = query(filter, SUMMARY, Object[].class, NEWEST_FIRST)
                .setFirstResult(page.page() * page.size()).setMaxResults(page.size())
                .getResultList().stream().map(BoardService::summary).toList();
        long total = query(filter, "select count(b)", Long.class, "").getSingleResult();
        return new Page<>(items, page.page(), page.size(), total);
    }

    /**
     * Takes one of this server's places for a CSV export, to be closed when the export has ended. Refused while
     * {@code flashrig.max-concurrent-exports} exports are running: more would take the database connections that
     * AssignMac and the rigs' events need.
     */
    public ExportSlot reserveExport() {
        if (!exports.tryAcquire()) {
            throw DomainException.busy("This server is already running " + maxExports + " CSV exports of boards, as"
                    + " many as it runs at once; try again in " + EXPORT_RETRY_AFTER.toSeconds() + " seconds. A"
                    + " narrower export (state, rig or since) finishes sooner.", EXPORT_RETRY_AFTER);
        }
        return new ExportSlot(exports);
    }

    /** Whether every export place is free; an export gives its place back just after its transaction has ended. */
    boolean noExportRunning() {
        return exports.availablePermits() == Math.max(0, maxExports);
    }

    /** A running export's place; closing it gives the place back, once however often it is closed. */
    public static final class ExportSlot implements AutoCloseable {
        private final Semaphore exports;
        private final AtomicBoolean held = new AtomicBoolean(true);

        private ExportSlot(Semaphore exports) {
            this.exports = exports;
        }

        @Override
        public void close() {
            if (held.compareAndSet(true, false)) {
                exports.release();
            }
        }
    }

    /**
     * Hands every board matching the filter to {@code sink}, newest first, as it comes through a database cursor
     * ({@value #EXPORT_FETCH_SIZE} rows at a time), so that a factory's hundreds of thousands of boards never sit in
     * memory at once. Runs as long as the sink takes; whatever the sink throws ends the export and releases the
     * cursor, the transaction and the connection.
     */
    @Transactional
    @TransactionConfiguration(timeout = EXPORT_TIMEOUT_SECONDS)
    public void export(Filter filter, ExportSink sink) throws IOException {
        // One snapshot, read only: the rows are those of one moment however long the client takes to read them.
        em.unwrap(Session.class).doWork(Jdbc::readOneSnapshot);
        // PostgreSQL's driver fetches through a cursor only with a fetch size, forward only, inside a transaction;
        // otherwise it reads the whole result into memory before the first row is handed over.
        @SuppressWarnings("unchecked") // Hibernate's own query behind the JPA one, of the same row type
        Query<Object[]> query = query(filter, SUMMARY, Object[].class, NEWEST_FIRST).unwrap(Query.class);
        try (ScrollableResults<Object[]> rows = query.setFetchSize(EXPORT_FETCH_SIZE).setReadOnly(true)
                .scroll(ScrollMode.FORWARD_ONLY)) {
            while (rows.next()) {
                sink.accept(summary(rows.get()));
            }
        }
    }

    @Transactional
    public BoardDetail get(BoardSerial serial) {
        // Board, MAC and attempts from one moment: an event committed between these reads would otherwise show a DONE
        // attempt beside the board state and MAC state it had before.
        em.unwrap(Session.class).doWork(Jdbc::readOneSnapshot);
        Board board = Board.findById(serial.value());
        MacAssignment assignment = MacAssignment.findBySerial(serial.value());
        if (board == null && assignment == null) {
            throw DomainException.notFound("No rig has reported board " + serial + " and it has no MAC.");
        }
        Map<Long, String> rigNames = new HashMap<>();
        em.createQuery("select r.id, r.name from Rig r where r.id in (select f.rigId from FlashAttempt f"
                + " where f.serial = ?1)", Object[].class).setParameter(1, serial.value()).getResultList()
                .forEach(row -> rigNames.put((Long) row[0], (String) row[1]));
        List<AttemptView> attempts = FlashAttempt.<FlashAttempt>list("serial = ?1 order by startedAt", serial.value())
                .stream().map(f -> attempt(f, rigNames.get(f.rigId))).toList();
        return new BoardDetail(serial.value(),
                assignment == null ? null : new MacAddress(assignment.mac).toString(),
                assignment == null ? null : assignment.state.name(),
                assignment == null ? null : assignment.origin.name(),
                board == null ? null : board.state,
                board == null ? null : board.firstSeen,
                board == null ? null : board.lastSeen,
                attempts);
    }

    /** The board's events in the order they happened. */
    @Transactional
    public Page<EventView> events(BoardSerial serial, PageRequest page) {
        Map<Long, String> rigNames = new HashMap<>();
        Page<StoredBoardEvent> events = page.fetch(StoredBoardEvent.<StoredBoardEvent>find("serial = ?1 order by occurredAt, sequence",
                serial.value()), e -> e);
        events.items().stream().map(e -> e.rigId).distinct().forEach(id -> rigNames.put(id,
                em.createQuery("select r.name from Rig r where r.id = ?1", String.class).setParameter(1, id)
                        .getSingleResult()));
        return events.map(e -> new EventView(e.eventId.toString(), rigNames.get(e.rigId), e.sequence, e.kind,
                e.occurredAt, e.receivedAt, e.rejectedReason));
    }

    private <T> TypedQuery<T> query(Filter filter, String select, Class<T> type, String order) {
        StringBuilder jpql = new StringBuilder(select).append(" ").append("""
                 from Board b
                 left join MacAssignment a on a.boardSerial = b.serial
                 left join Rig r on r.id = b.lastRigId
                 left join FlashAttempt f on f.attemptId = b.lastAttemptId
                 where 1 = 1""");
        Map<String, Object> params = new HashMap<>();
        if (filter.state() != null) {
            jpql.append(" and b.state = :state");
            params.put("state", filter.state());
        }
        if (filter.rig() != null) {
            jpql.append(" and r.name = :rig");
            params.put("rig", filter.rig());
        }
        if (filter.since() != null) {
            jpql.append(" and b.lastSeen >= :since");
            params.put("since", filter.since());
        }
        TypedQuery<T> query = em.createQuery(jpql.append(order).toString(), type);
        params.forEach(query::setParameter);
        return query;
    }

    private static BoardSummary summary(Object[] row) {
        return new BoardSummary((String) row[0], row[1] == null ? null : new MacAddress((Long) row[1]).toString(),
                row[2] == null ? null : row[2].toString(), (String) row[3], (String) row[4], (Instant) row[5],
                (Instant) row[6], (String) row[7]);
    }

    private static AttemptView attempt(FlashAttempt f, String rig) {
        Phases phases = new Phases(millis(f.startedAt, f.flashStartedAt), millis(f.flashStartedAt, f.flashedAt),
                millis(f.flashedAt, f.macVerifiedAt), millis(f.startedAt, f.endedAt));
        List<String> tail = f.programmerOutputTail == null ? List.of() : List.of(f.programmerOutputTail.split("\n"));
        return new AttemptView(f.attemptId.toString(), rig, f.portPath, f.slotLabel, f.powerUpOrder, f.layoutName,
                f.layoutSha256, f.releaseName, f.manifestSha256, f.state, f.startedAt, f.endedAt, f.outcome, f.failureCode, f.message, tail, f.mac,
                phases, f.rigClockOff);
    }

    private static Long millis(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to).toMillis();
    }

    private static Instant parseSince(String since) {
        if (since == null || since.isEmpty()) {
            return null;
        }
        try {
            return since.length() == 10 ? LocalDate.parse(since).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(since);
        } catch (DateTimeParseException e) {
            throw DomainException.invalid("since must be a UTC time like 2026-11-27T08:00:00Z or a date like"
                    + " 2026-11-27, not '" + Quoted.of(since) + "'.");
        }
    }
}
