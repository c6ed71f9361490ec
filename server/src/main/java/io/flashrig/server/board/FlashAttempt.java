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
 * One plug-in of a board on a rig, from detection to its end, built from its events. Written only by
 * {@link BoardProjection}'s SQL.
 */
@Entity
@Immutable
@Table(name = "flash_attempt")
public class FlashAttempt extends PanacheEntityBase {

    @Id
    @Column(name = "attempt_id")
    public UUID attemptId;

    @Column(nullable = false)
    public String serial;

    @Column(name = "rig_id", nullable = false)
    public long rigId;

    @Column(name = "port_path")
    public String portPath;

    @Column(name = "slot_label")
    public String slotLabel;

    @Column(name = "power_up_order")
    public Integer powerUpOrder;

    @Column(name = "layout_name")
    public String layoutName;

    @Column(name = "layout_sha256")
    public String layoutSha256;

    /** The release the image was verified against; null when the rig flashed its own layout. */
    @Column(name = "release_name")
    public String releaseName;

    @Column(name = "manifest_sha256")
    public String manifestSha256;

    @Column(nullable = false)
    public String state;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "last_event_at", nullable = false)
    public Instant lastEventAt;

    @Column(name = "flash_started_at")
    public Instant flashStartedAt;

    @Column(name = "flashed_at")
    public Instant flashedAt;

    @Column(name = "mac_verified_at")
    public Instant macVerifiedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Column(name = "removed_at")
    public Instant removedAt;

    /** DONE, FAILED or INTERRUPTED once the attempt ended. */
    public String outcome;

    @Column(name = "failure_code")
    public String failureCode;

    public String message;

    /** The programmer's last output lines, newline-separated. */
    @Column(name = "programmer_output_tail")
    public String programmerOutputTail;

    public String mac;

    /** Some of its events were stamped too far ahead of the server's clock and count as received instead. */
    @Column(name = "rig_clock_off", nullable = false)
    public boolean rigClockOff;
}
