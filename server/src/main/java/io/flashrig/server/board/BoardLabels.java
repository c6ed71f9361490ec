package io.flashrig.server.board;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.pool.MacAssignment;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a board's label shows, for rigs that reprint one: the serial, the MAC verified in its OTP, the rig that first
 * verified it and when. Any rig may read any board (a lost or RMA label is reprinted at whichever rig is at hand), so
 * this gives those four facts and nothing else of the board's history.
 */
@ApplicationScoped
public class BoardLabels {

    /** One board's label; {@code rig} is empty when no rig on record verified or took the MAC. */
    public record Label(BoardSerial serial, MacAddress mac, String rig, Instant verifiedAt) {
    }

    private final EntityManager em;

    BoardLabels(EntityManager em) {
        this.em = em;
    }

    /** The board's label, as its first one read; refused while its MAC is not known to be in its OTP. */
    @Transactional
    public Label label(BoardSerial serial) {
        MacAssignment assignment = MacAssignment.findBySerial(serial.value());
        if (assignment == null) {
            throw new DomainException(DomainException.Kind.NOT_FOUND, ErrorReason.ERROR_REASON_BOARD_NOT_FOUND,
                    "No MAC was ever assigned to board " + serial + ", so it has no label.",
                    Map.of("serial", serial.value()));
        }
        MacAddress mac = new MacAddress(assignment.mac);
        if (assignment.state == MacAssignment.State.QUARANTINED) {
            throw new DomainException(DomainException.Kind.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_MAC_QUARANTINED,
                    "Board " + serial + " was scrapped by an admin (its MAC " + mac + " is quarantined); it gets no label.",
                    Map.of("mac", mac.toString()));
        }
        if (assignment.state != MacAssignment.State.FUSED) {
            throw new DomainException(DomainException.Kind.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_MAC_NOT_VERIFIED,
                    "Board " + serial + " was given MAC " + mac + ", but no rig has read it back from the board's OTP yet;"
                            + " a label may name it only once it is verified.",
                    Map.of("serial", serial.value(), "mac", mac.toString()));
        }
        // The first verifying attempt is the one whose label went on the board; a reprint says what that one said.
        List<Object[]> first = em.createQuery("select r.name, f.macVerifiedAt from FlashAttempt f, Rig r"
                + " where r.id = f.rigId and f.serial = ?1 and f.macVerifiedAt is not null order by f.macVerifiedAt",
                Object[].class).setParameter(1, serial.value()).setMaxResults(1).getResultList();
        if (!first.isEmpty()) {
            return new Label(serial, mac, (String) first.get(0)[0], (Instant) first.get(0)[1]);
        }
        String rig = assignment.rigId == null ? "" : em.createQuery("select r.name from Rig r where r.id = ?1", String.class)
                .setParameter(1, assignment.rigId).getResultStream().findFirst().orElse("");
        return new Label(serial, mac, rig, assignment.fusedAt != null ? assignment.fusedAt : assignment.assignedAt);
    }
}
