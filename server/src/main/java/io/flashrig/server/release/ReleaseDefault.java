package io.flashrig.server.release;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** The release of rigs without a pin: at most one row, keyed by the constant {@link #ONLY_ROW}. */
@Entity
@Table(name = "release_default")
public class ReleaseDefault extends PanacheEntityBase {

    public static final Boolean ONLY_ROW = Boolean.TRUE;

    @Id
    @Column(name = "only_row")
    public Boolean onlyRow = ONLY_ROW;

    @Column(name = "release_name", nullable = false)
    public String releaseName;

    @Column(name = "set_at", nullable = false)
    public Instant setAt;

    @Column(name = "set_by", nullable = false)
    public String setBy;
}
