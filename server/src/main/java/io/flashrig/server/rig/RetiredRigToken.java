package io.flashrig.server.rig;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A token a rig held before an admin replaced it. It authenticates nothing; it lets the server tell an agent still
 * sending it what happened, where an unknown token would leave the operator guessing at a typo or the wrong server.
 */
@Entity
@Table(name = "rig_retired_token")
public class RetiredRigToken extends PanacheEntityBase {

    @Id
    @Column(name = "token_hash")
    public String tokenHash;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "rig_id")
    public Rig rig;

    @Column(name = "retired_at", nullable = false)
    public Instant retiredAt;

    static void retire(Rig rig, Instant at) {
        RetiredRigToken retired = new RetiredRigToken();
        retired.tokenHash = rig.tokenHash;
        retired.rig = rig;
        retired.retiredAt = at;
        retired.persist();
    }
}
