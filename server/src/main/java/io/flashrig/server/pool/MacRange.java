package io.flashrig.server.pool;

import io.flashrig.contract.MacAddress;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A block of MAC addresses the factory owns, from first to last inclusive. */
@Entity
@Table(name = "mac_range")
public class MacRange extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "first_mac", nullable = false)
    public long firstMac;

    @Column(name = "last_mac", nullable = false)
    public long lastMac;

    @Column(nullable = false)
    public String label;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "retired_at")
    public Instant retiredAt;

    /**
     * Addresses that can be handed out: every address but those ending in {@code 00:00}, whose OTP word 58 would read
     * blank after fusing ({@link io.flashrig.contract.MacAddress#fusable()}). {@link #FUSABLE_SIZE_SQL} is the same in SQL.
     */
    public long size() {
        return lastMac - firstMac + 1 - (lastMac / 0x10000 - (firstMac - 1) / 0x10000);
    }

    /** {@link #size()} of the row {@code r} of mac_range, in SQL. */
    public static final String FUSABLE_SIZE_SQL = "(r.last_mac - r.first_mac + 1 - (r.last_mac / 65536 - (r.first_mac - 1) / 65536))";

    public String describe() {
        return "range " + id + " '" + label + "' (" + new MacAddress(firstMac) + " – " + new MacAddress(lastMac) + ")";
    }
}
