package io.flashrig.server.board;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Immutable;

/**
 * A board event exactly as a rig sent it, stored once per event id. Written only by {@link EventLog}'s SQL; this maps
 * the rows for reading.
 */
@Entity
@Immutable
@Table(name = "board_event")
public class StoredBoardEvent extends PanacheEntityBase {

    @Id
    @Column(name = "event_id")
    public UUID eventId;

    @Column(name = "rig_id", nullable = false)
    public long rigId;

    @Column(name = "queue_id", nullable = false)
    public UUID queueId;

    @Column(nullable = false)
    public long sequence;

    public String serial;

    @Column(name = "attempt_id")
    public String attemptId;

    /** What changed, e.g. MAC_VERIFIED. */
    @Column(nullable = false)
    public String kind;

    @Column(name = "occurred_at")
    public Instant occurredAt;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    /** The protobuf bytes of the event. */
    @Column(nullable = false)
    public byte[] payload;

    /** Why the event was malformed; null for applied events. */
    @Column(name = "rejected_reason")
    public String rejectedReason;
}
