package io.flashrig.server.rig;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.flashrig.contract.EventText;
import io.flashrig.contract.Quoted;
import io.flashrig.proto.rig.v1.CheckRigResponse;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.api.Uuids;
import io.flashrig.server.audit.AuditLog;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.security.Role;
import io.flashrig.server.security.TokenCache;
import io.flashrig.server.security.Tokens;
import io.flashrig.server.sql.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hibernate.Session;

/** Rigs: registration with a token, token rotation, revocation, sessions, and whether each is connected now. */
@ApplicationScoped
public class RigRegistry {

    /**
     * A registered rig and its token, shown this once; {@code reactivated} when the name was a revoked rig's, which is
     * back in service with its history.
     */
    public record RegisteredRig(String name, String token, boolean reactivated) {
    }

    /** A rig's new token, shown this once. */
    public record RigToken(String name, String token) {
    }

    /**
     * A rig as the API shows it; {@code rejectedEvents} counts the board events it sent that were recorded as rejected
     * instead of applied (see its events, or the agent's refused-events file), the last with when and why;
     * {@code clockAheadSeconds} how far its clock ran ahead of the server's in its latest events, when beyond the
     * allowed skew; {@code clockSkewSeconds} how far its computer's clock was off the server's when it last opened a
     * session (positive: ahead); {@code newMacsPerHour} the new MACs it may take per rolling hour, its own when
     * {@code newMacsPerHourSetByAdmin}, else the server's default.
     */
    public record RigView(String name, Instant createdAt, boolean revoked, Instant revokedAt, boolean connected,
            Instant lastSeen, String agentVersion, String programmerVersion, String hostname, String layoutName,
            String layoutSha256, Integer slotCount, Boolean fuseEnabled, long rejectedEvents, Instant lastRejectedAt,
            String lastRejection, Long clockAheadSeconds, Long clockSkewSeconds, int newMacsPerHour,
            boolean newMacsPerHourSetByAdmin) {
    }

    /** The most an admin may let one rig take per hour: beyond it a quota would bound nothing. */
    static final int MAX_NEW_MACS_PER_HOUR = 1_000_000;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final FlashRigConfig config;
    private final AuditLog audit;
    private final EntityManager em;
    private final int maxRequestBytes;
    private final TokenCache tokenCache;

    RigRegistry(FlashRigConfig config, AuditLog audit, EntityManager em,
            @ConfigProperty(name = "quarkus.grpc.server.max-inbound-message-size") int maxRequestBytes,
            TokenCache tokenCache) {
        this.config = config;
        this.tokenCache = tokenCache;
        this.audit = audit;
        this.em = em;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Registers a rig under a new name, or brings a revoked rig back under its name with a new token. A revoked rig
     * keeps its record, so its boards, attempts and events stay one history with what it does next: the name stands
     * for a rig station on the factory floor, and a station returning to service is the same station.
     */
    @Transactional
    public RegisteredRig register(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw DomainException.invalid("A rig name is 1 to 63 letters, digits, dots, dashes or underscores,"
                    + " starting with a letter or digit (e.g. rig-3).");
        }
        // Two admins registering one new name at once: the second waits and then finds the first's rig, instead of
        // failing on the unique name.
        session().doWork(c -> Jdbc.lockUntilCommit(c, "rig " + name));
        Rig existing = lockByName(name);
        if (existing != null && existing.revokedAt == null) {
            throw DomainException.conflict("A rig named '" + name + "' is already registered. To give it a new token"
                    + " (its computer was reinstalled, or the token leaked): POST /api/v1/rigs/" + name + "/token.");
        }
        if (existing != null) {
            Instant revokedAt = existing.revokedAt;
            existing.revokedAt = null;
            String token = replaceToken(existing);
            audit.record("rig.reactivate", "rig " + name, "revoked since " + revokedAt
                    + "; new token issued, history kept");
            return new RegisteredRig(name, token, true);
        }
        String token = Tokens.generate(Role.RIG);
        Rig rig = new Rig();
        rig.name = name;
        rig.tokenHash = Tokens.hash(token);
        rig.createdAt = Instant.now();
        rig.persist();
        audit.record("rig.register", "rig " + name, "token issued");
        return new RegisteredRig(name, token, false);
    }

    /**
     * Gives the rig a new token, for a reinstalled rig computer or a leaked token. The old token stops working when
     * this commits; the rig, its history and its MACs are untouched.
     */
    @Transactional
    public RigToken rotateToken(String name) {
        Rig rig = lockExisting(name);
        if (rig.revokedAt != null) {
            throw DomainException.conflict("Rig '" + name + "' was revoked on " + rig.revokedAt + ", so it has no"
                    + " token to replace. To bring it back into service with a new token and its history, register it"
                    + " again: POST /api/v1/rigs with {\"name\":\"" + name + "\"}.");
        }
        String token = replaceToken(rig);
        audit.record("rig.rotate-token", "rig " + name, "new token issued; the old one no longer works");
        return new RigToken(name, token);
    }

    @Transactional
    public List<RigView> list() {
        Instant now = Instant.now();
        return Rig.<Rig>list("order by name").stream().map(r -> view(r, now)).toList();
    }

    @Transactional
    public RigView get(String name) {
        return view(find(name), Instant.now());
    }

    /** Revokes the rig's token: its open stream ends at its next request, and every later call is refused. */
    @Transactional
    public void revoke(String name) {
        Rig rig = lockExisting(name);
        if (rig.revokedAt == null) {
            rig.revokedAt = Instant.now();
            tokenCache.forgetAfterCommit();
            audit.record("rig.revoke", "rig " + name, "token revoked");
        }
    }

    /**
     * Sets how many new MACs the rig may take per rolling hour (null: the server's default again). Takes effect at the
     * rig's next request for a new MAC, on every replica, as the quota is read from the database each time.
     */
    @Transactional
    public RigView setNewMacsPerHour(String name, Integer newMacsPerHour) {
        if (newMacsPerHour != null && (newMacsPerHour < 0 || newMacsPerHour > MAX_NEW_MACS_PER_HOUR)) {
            throw DomainException.invalid("newMacsPerHour must be a whole number from 0 (the rig takes no new MACs) to "
                    + MAX_NEW_MACS_PER_HOUR + ", not " + newMacsPerHour + ".");
        }
        Rig rig = lockExisting(name);
        String before = quotaText(rig.newMacsPerHour);
        rig.newMacsPerHour = newMacsPerHour;
        audit.record("rig.mac-quota", "rig " + name, "new MACs per hour: " + before + " -> "
                + quotaText(newMacsPerHour));
        return view(rig, Instant.now());
    }

    private String quotaText(Integer own) {
        return own == null ? config.rigNewMacsPerHour() + " (server default)" : own.toString();
    }

    @Transactional
    public OpenSessionResponse openSession(long rigId, OpenSessionRequest request) {
        UUID queueId = parseQueueId(request.getQueueId());
        if (!request.getLayoutSha256().isEmpty() && !SHA256.matcher(request.getLayoutSha256()).matches()) {
            throw invalidRequest("layout_sha256", "layout_sha256 must be 64 lower-case hex characters.");
        }
        Rig rig = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        Instant now = Instant.now();
        // What a rig says about itself is shown to people: cleaned and clipped, never a reason to refuse its session.
        rig.agentVersion = EventText.clean(request.getAgentVersion(), EventText.NAME);
        rig.programmerVersion = EventText.clean(request.getProgrammerVersion(), EventText.NAME);
        rig.layoutName = EventText.clean(request.getLayoutName(), EventText.LAYOUT_NAME);
        rig.layoutSha256 = request.getLayoutSha256();
        rig.slotCount = request.getSlotCount();
        rig.hostname = EventText.clean(request.getHostname(), EventText.NAME);
        rig.fuseEnabled = request.getFuseEnabled();
        rig.sessionId = UUID.randomUUID();
        rig.queueId = queueId;
        rig.sessionOpenedAt = now;
        rig.clockSkewSeconds = request.hasAgentTime() ? java.time.Duration.between(now, Instant.ofEpochSecond(
                request.getAgentTime().getSeconds(), request.getAgentTime().getNanos())).toSeconds() : null;
        rig.lastSeen = now;
        long committed = session().doReturningWork(c -> Jdbc.single(c, """
                INSERT INTO event_queue (rig_id, queue_id) VALUES (?, ?)
                ON CONFLICT (rig_id, queue_id) DO UPDATE SET rig_id = EXCLUDED.rig_id
                RETURNING committed_through_sequence""", rs -> rs.getLong(1), rigId, queueId));
        return OpenSessionResponse.newBuilder()
                .setRigName(rig.name)
                .setSessionId(rig.sessionId.toString())
                .setCommittedThroughSequence(committed)
                .setMaxEventsPerRequest(config.maxEventsPerRequest())
                .setMaxRequestBytes(maxRequestBytes)
                .setHeartbeatInterval(Duration.newBuilder().setSeconds(config.heartbeatInterval().toSeconds())
                        .setNanos(config.heartbeatInterval().toNanosPart()))
                .setServerTime(timestamp(now))
                .build();
    }

    /** What the server knows of a rig, read only: nothing about its session changes. */
    @Transactional
    public CheckRigResponse check(long rigId) {
        Rig rig = Rig.findById(rigId);
        Instant now = Instant.now();
        CheckRigResponse.Builder answer = CheckRigResponse.newBuilder().setRigName(rig.name)
                .setServerTime(timestamp(now)).setConnected(rig.connected(now, config.heartbeatInterval()))
                .setHostname(rig.hostname == null ? "" : rig.hostname);
        if (rig.sessionOpenedAt != null) {
            answer.setSessionOpenedAt(timestamp(rig.sessionOpenedAt));
        }
        return answer.build();
    }

    static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    /** The rig's event stream ended on this replica: it no longer counts as connected. */
    @Transactional
    public void streamClosed(long rigId) {
        // Locked, as every write of the row is: Hibernate writes back every column, so an unlocked write racing an
        // admin's token change could put the old token back.
        Rig rig = Rig.findById(rigId, LockModeType.PESSIMISTIC_WRITE);
        if (rig != null) {
            rig.streamClosedAt = Instant.now();
        }
    }

    /** Rigs whose stream is open on some replica now. */
    @Transactional
    public long connectedCount() {
        Instant now = Instant.now();
        return Rig.<Rig>list("revokedAt is null and lastSeen > ?1",
                now.minus(config.heartbeatInterval().multipliedBy(2))).stream()
                .filter(r -> r.connected(now, config.heartbeatInterval())).count();
    }

    private static Rig find(String name) {
        return existing(name, Rig.findByName(name));
    }

    /** The rig locked for a change: admins' changes of one rig, and its stream closing, happen one after another. */
    private static Rig lockByName(String name) {
        return Rig.<Rig>find("name", name).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    private static Rig lockExisting(String name) {
        return existing(name, lockByName(name));
    }

    private static Rig existing(String name, Rig rig) {
        if (rig == null) {
            throw DomainException.notFound("There is no rig named '" + Quoted.of(name) + "'.");
        }
        return rig;
    }

    /**
     * Replaces the rig's token and keeps the old one's hash among the retired tokens. A stream still open with the old
     * token is refused at its next request, as every stream request authenticates again; from now on it no longer
     * counts as connected, since whoever holds the new token has not spoken yet.
     */
    private String replaceToken(Rig rig) {
        tokenCache.forgetAfterCommit();
        Instant now = Instant.now();
        RetiredRigToken.retire(rig, now);
        String token = Tokens.generate(Role.RIG);
        rig.tokenHash = Tokens.hash(token);
        rig.streamClosedAt = now;
        return token;
    }

    private RigView view(Rig r, Instant now) {
        return new RigView(r.name, r.createdAt, r.revokedAt != null, r.revokedAt,
                r.connected(now, config.heartbeatInterval()), r.lastSeen, r.agentVersion, r.programmerVersion,
                r.hostname, r.layoutName, r.layoutSha256, r.slotCount, r.fuseEnabled, r.rejectedEvents,
                r.lastRejectedAt, r.lastRejection, r.clockAheadSeconds, r.clockSkewSeconds,
                r.newMacsPerHour == null ? config.rigNewMacsPerHour() : r.newMacsPerHour, r.newMacsPerHour != null);
    }

    private static UUID parseQueueId(String queueId) {
        return Uuids.parse(queueId).orElseThrow(() -> invalidRequest("queue_id",
                "queue_id must be the UUID of the agent's event queue, not '" + Quoted.of(queueId) + "'."));
    }

    private static DomainException invalidRequest(String field, String message) {
        return new DomainException(DomainException.Kind.INVALID, ErrorReason.ERROR_REASON_INVALID_REQUEST, message,
                Map.of("field", field));
    }

    private Session session() {
        return em.unwrap(Session.class);
    }
}
