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

    /** Offset of the next address to hand out; only the allocator's SQL moves it. */
    @Column(name = "next_offset", nullable = false)
    public long nextOffset;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "retired_at")
    public Instant retiredAt;

    public long size() {
        return lastMac - firstMac + 1;
    }

    public String describe() {
        return "range " + id + " '" + label + "' (" + new MacAddress(firstMac) + " – " + new MacAddress(lastMac) + ")";
    }
}
