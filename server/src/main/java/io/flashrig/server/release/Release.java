package io.flashrig.server.release;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** A stored release: never changed once stored, except that it can be retired. */
@Entity
@Table(name = "release")
public class Release extends PanacheEntityBase {

    @Id
    public String name;

    @Column(nullable = false)
    public String layout;

    @Column(name = "manifest_sha256", nullable = false)
    public String manifestSha256;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "created_by", nullable = false)
    public String createdBy;

    @Column(name = "retired_at")
    public Instant retiredAt;

    /** File name as the layout gives it → its SHA-256. */
    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "release_file", joinColumns = @JoinColumn(name = "release_name"))
    @MapKeyColumn(name = "file_name")
    @Column(name = "sha256", nullable = false)
    public Map<String, String> files = new TreeMap<>();
}
