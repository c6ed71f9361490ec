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
 * A board the rigs have seen, by serial; its current state is that of its latest event. Written only by
 * {@link BoardProjection}'s SQL.
 */
@Entity
@Immutable
@Table(name = "board")
public class Board extends PanacheEntityBase {

    @Id
    public String serial;

    /** The flash job state of its latest event, e.g. DONE. */
    @Column(nullable = false)
    public String state;

    @Column(name = "first_seen", nullable = false)
    public Instant firstSeen;

    @Column(name = "last_seen", nullable = false)
    public Instant lastSeen;

    @Column(name = "last_rig_id", nullable = false)
    public long lastRigId;

    @Column(name = "last_attempt_id", nullable = false)
    public UUID lastAttemptId;
}
