package io.flashrig.server.pool;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Immutable;

/** A MAC that belongs to a board, forever. Rows are written by {@link MacAllocator}'s SQL; this maps them for reading. */
@Entity
@Immutable
@Table(name = "mac_assignment")
public class MacAssignment extends PanacheEntityBase {

    /** Lifecycle of an assigned MAC. */
    public enum State { ASSIGNED, FUSED, QUARANTINED }

    /** Where the assignment came from. */
    public enum Origin {
        /** Handed out from a range by the server. */
        POOL,
        /** Found in a board's OTP, inside a range, belonging to nobody: now that board's. */
        ADOPTED,
        /** Found in a board's OTP outside every range. */
        EXTERNAL
    }

    @Id
    public long mac;

    @Column(name = "board_serial", nullable = false)
    public String boardSerial;

    @Column(name = "range_id")
    public Long rangeId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Origin origin;

    @Column(name = "rig_id")
    public Long rigId;

    @Column(name = "attempt_id")
    public String attemptId;

    @Column(name = "assigned_at", nullable = false)
    public Instant assignedAt;

    @Column(name = "fused_at")
    public Instant fusedAt;

    @Column(name = "quarantined_at")
    public Instant quarantinedAt;

    @Column(name = "quarantine_reason")
    public String quarantineReason;

    /** The claim of the MAC's one OTP write (see MacAllocator#claimWrite); all null while nobody claimed it. */
    @Column(name = "write_id")
    public String writeId;

    @Column(name = "write_rig_id")
    public Long writeRigId;

    @Column(name = "write_attempt_id")
    public String writeAttemptId;

    @Column(name = "write_claimed_at")
    public Instant writeClaimedAt;

    public static MacAssignment findBySerial(String serial) {
        return find("boardSerial", serial).firstResult();
    }
}
