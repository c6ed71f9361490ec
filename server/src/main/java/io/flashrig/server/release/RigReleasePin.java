package io.flashrig.server.release;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A rig's own release, over the default; a rig without a pin has no row. */
@Entity
@Table(name = "rig_release")
public class RigReleasePin extends PanacheEntityBase {

    @Id
    @Column(name = "rig_id")
    public Long rigId;

    @Column(name = "release_name", nullable = false)
    public String releaseName;

    @Column(name = "pinned_at", nullable = false)
    public Instant pinnedAt;

    @Column(name = "pinned_by", nullable = false)
    public String pinnedBy;
}
