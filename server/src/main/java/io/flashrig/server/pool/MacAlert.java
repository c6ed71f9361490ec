package io.flashrig.server.pool;

import io.flashrig.contract.MacAddress;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** Something about a MAC an admin must look at: never silently accepted. */
@Entity
@Table(name = "mac_alert")
public class MacAlert extends PanacheEntityBase {

    /** What went wrong. */
    public enum Kind {
        /** A board's OTP holds a MAC that belongs to another board. */
        MAC_CONFLICT,
        /** A board's OTP holds a MAC other than the one its serial was assigned. */
        MAC_MISMATCH,
        /** A rig reported a verified MAC the server never gave that board. */
        UNEXPECTED_MAC_VERIFIED,
        /** A rig asked for the MAC of a serial another rig was fusing at that moment: two boards, one serial. */
        SERIAL_IN_USE,
        /** A rig used up its quota of new MACs per hour: a leaked token draining the pool, or a rig that needs more. */
        RIG_QUOTA_EXCEEDED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Kind kind;

    /** The MAC in question; null for an alert about a rig rather than one MAC. */
    public Long mac;

    @Column(nullable = false)
    public String serial;

    @Column(name = "rig_id")
    public Long rigId;

    @Column(nullable = false)
    public String message;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static void raise(Kind kind, MacAddress mac, String serial, Long rigId, String message) {
        MacAlert alert = new MacAlert();
        alert.kind = kind;
        alert.mac = mac.value();
        alert.serial = serial;
        alert.rigId = rigId;
        alert.message = message;
        alert.createdAt = Instant.now();
        alert.persist();
    }
}
