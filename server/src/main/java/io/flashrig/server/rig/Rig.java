package io.flashrig.server.rig;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** A rig computer registered by an admin, identified by its token; what its agent last said about itself. */
@Entity
@Table(name = "rig")
public class Rig extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String name;

    @Column(name = "token_hash", nullable = false)
    public String tokenHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "agent_version")
    public String agentVersion;

    @Column(name = "programmer_version")
    public String programmerVersion;

    public String hostname;

    @Column(name = "layout_name")
    public String layoutName;

    @Column(name = "layout_sha256")
    public String layoutSha256;

    @Column(name = "slot_count")
    public Integer slotCount;

    @Column(name = "fuse_enabled")
    public Boolean fuseEnabled;

    /** The current session; a stream request with another id must open a new session. */
    @Column(name = "session_id")
    public UUID sessionId;

    /** The agent's durable event queue of the current session. */
    @Column(name = "queue_id")
    public UUID queueId;

    @Column(name = "session_opened_at")
    public Instant sessionOpenedAt;

    /** Last request on any replica: a session opened or a stream request (heartbeat). */
    @Column(name = "last_seen")
    public Instant lastSeen;

    /** Board events of this rig the server recorded as rejected instead of applying them, ever. */
    @Column(name = "rejected_events", nullable = false)
    public long rejectedEvents;

    /** When the last of them was rejected. */
    @Column(name = "last_rejected_at")
    public Instant lastRejectedAt;

    /** Why the last of them was rejected. */
    @Column(name = "last_rejection")
    public String lastRejection;

    /**
     * How far its computer's clock was from the server's when it last opened a session (positive: ahead); null when
     * its agent did not say.
     */
    @Column(name = "clock_skew_seconds")
    public Long clockSkewSeconds;

    /** How far its clock ran ahead of the server's, beyond the allowed skew, in its latest events; null when not. */
    @Column(name = "clock_ahead_seconds")
    public Long clockAheadSeconds;

    /** New MACs it may take per rolling hour, set by an admin; null: the server's default. */
    @Column(name = "new_macs_per_hour")
    public Integer newMacsPerHour;

    /** When its event stream last ended; the rig is not connected unless it was seen since. */
    @Column(name = "stream_closed_at")
    public Instant streamClosedAt;

    /**
     * Connected while its event stream is open on some replica: seen within twice the heartbeat interval and not seen
     * closing its stream since.
     */
    public boolean connected(Instant now, Duration heartbeat) {
        return revokedAt == null && lastSeen != null && lastSeen.isAfter(now.minus(heartbeat.multipliedBy(2)))
                && (streamClosedAt == null || streamClosedAt.isBefore(lastSeen));
    }

    public static Rig findByName(String name) {
        return find("name", name).firstResult();
    }
}
