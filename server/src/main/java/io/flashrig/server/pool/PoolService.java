package io.flashrig.server.pool;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.hibernate.Session;

/**
 * The MAC pool as the rigs use it: a board's MAC, the claim of its one OTP write, what a board's OTP already holds, and
 * its verification; each refusal that an admin must see leaves an alert. Admins' work on ranges and MACs is
 * {@link PoolAdminService}'s.
 */
@ApplicationScoped
public class PoolService {

    private final EntityManager em;
    private final MacAllocator allocator;
    private final DataSource dataSource;
    private final AssignmentBatcher batches;

    PoolService(EntityManager em, MacAllocator allocator, DataSource dataSource, AssignmentBatcher batches) {
        this.em = em;
        this.allocator = allocator;
        this.dataSource = dataSource;
        this.batches = batches;
    }

    /**
     * The board's MAC, once known. A refusal keeps what it recorded: the alert of a rig past its quota. Nothing else
     * is written before one. Asked together with the other boards asking meanwhile ({@link AssignmentBatcher}); asked
     * alone when the batch leaves it, on an autocommit connection of its own, outside JTA: the allocator's one
     * statement is the whole transaction, so a call costs one round trip to the database (issue 18). Never blocks the
     * calling thread.
     */
    public CompletableFuture<MacAllocator.Assignment> assign(BoardSerial serial, Long rigId, String attemptId) {
        return batches.assign(serial, rigId, attemptId, () -> assignAlone(serial, rigId, attemptId));
    }

    private MacAllocator.Assignment assignAlone(BoardSerial serial, Long rigId, String attemptId) {
        try (Connection c = dataSource.getConnection()) {
            return allocator.assign(c, serial, rigId, attemptId, Instant.now());
        } catch (SQLException e) {
            throw new PersistenceException("Could not assign a MAC to board " + serial, e);
        }
    }

    /**
     * Claims the serial's one OTP write for {@code writeId}; returns when the claim was first made. A write someone else
     * claimed is refused and recorded as an alert (which stays committed): two chips reporting one serial must not both
     * be fused with its MAC.
     */
    @Transactional(dontRollbackOn = DomainException.class)
    public Instant claimWrite(BoardSerial serial, MacAddress mac, String writeId, Long rigId, String rigName,
            String attemptId) {
        MacAllocator.ClaimOutcome outcome = session().doReturningWork(
                c -> allocator.claimWrite(c, serial, mac, writeId, rigId, attemptId, Instant.now()));
        return switch (outcome.verdict()) {
            case CLAIMED -> outcome.claimedAt();
            case MISMATCH -> throw new DomainException(DomainException.Kind.FAILED_PRECONDITION,
                    ErrorReason.ERROR_REASON_MAC_MISMATCH, outcome.mac() == null
                            ? "Board " + serial + " has no MAC yet; ask for it (AssignMac) before claiming its write."
                            : "Board " + serial + "'s MAC is " + outcome.mac() + ", not " + mac + "; write nothing.",
                    outcome.mac() == null ? Map.of("mac", mac.toString())
                            : Map.of("mac", mac.toString(), "assigned_mac", outcome.mac().toString()));
            case FUSED -> throw new DomainException(DomainException.Kind.FAILED_PRECONDITION,
                    ErrorReason.ERROR_REASON_MAC_CONFLICT, "MAC " + mac + " of board " + serial + " was already read"
                    + " back from a board's OTP: another chip reports the same serial. Write nothing.",
                    Map.of("mac", mac.toString()));
            case TAKEN -> {
                String message = "The write of MAC " + mac + " for board " + serial + " was claimed by rig '"
                        + outcome.holderRig() + "' at " + outcome.claimedAt().truncatedTo(ChronoUnit.SECONDS)
                        + " and never verified, yet rig '" + rigName + "' means to write it too: two boards report"
                        + " the same serial, or that write failed.";
                MacAlert.raise(MacAlert.Kind.SERIAL_IN_USE, mac, serial.value(), rigId, message);
                throw new DomainException(DomainException.Kind.FAILED_PRECONDITION,
                        ErrorReason.ERROR_REASON_SERIAL_IN_USE, message + " Write nothing. If the other board's OTP"
                        + " reads blank, an admin can release the claim: POST /api/v1/macs/" + mac + "/release-write.",
                        Map.of("mac", mac.toString(), "rig", String.valueOf(outcome.holderRig()),
                                "claimed_at", outcome.claimedAt().toString()));
            }
        };
    }

    /**
     * Confirms, adopts or records a MAC found in a board's OTP. A conflict is recorded as an alert and then refused;
     * the alert stays committed.
     */
    @Transactional(dontRollbackOn = DomainException.class)
    public MacAllocator.OtpOutcome reportOtp(BoardSerial serial, MacAddress mac, Long rigId, String rigName,
            String attemptId) {
        MacAllocator.OtpOutcome outcome = session().doReturningWork(
                c -> allocator.reportOtp(c, serial, mac, rigId, attemptId, Instant.now()));
        return switch (outcome.verdict()) {
            case CONFLICT -> throw refuse(MacAlert.Kind.MAC_CONFLICT, ErrorReason.ERROR_REASON_MAC_CONFLICT, serial, mac,
                    rigId, rigName, "that MAC belongs to board " + outcome.other(), "owner_serial", outcome.other());
            case MISMATCH -> throw refuse(MacAlert.Kind.MAC_MISMATCH, ErrorReason.ERROR_REASON_MAC_MISMATCH, serial, mac,
                    rigId, rigName, "the server assigned it " + outcome.other(), "assigned_mac", outcome.other());
            default -> outcome;
        };
    }

    /** Records the alert an admin sees and builds the refusal the rig gets. */
    private static DomainException refuse(MacAlert.Kind kind, ErrorReason reason, BoardSerial serial, MacAddress mac,
            Long rigId, String rigName, String why, String otherKey, String other) {
        String message = "Board " + serial + " on rig '" + rigName + "' carries MAC " + mac + " in OTP, but " + why + ".";
        MacAlert.raise(kind, mac, serial.value(), rigId, message);
        return new DomainException(DomainException.Kind.FAILED_PRECONDITION, reason,
                message + " Fail the board; do not write OTP.", Map.of("mac", mac.toString(), otherKey, other));
    }

    /** A MacVerified event: the board's MAC is burnt for good. Raises an alert if it is not the board's MAC. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void markFused(BoardSerial serial, MacAddress mac, Long rigId, String rigName, Instant at) {
        boolean fused = session().doReturningWork(c -> allocator.markFused(c, serial, mac, at));
        if (!fused) {
            MacAlert.raise(MacAlert.Kind.UNEXPECTED_MAC_VERIFIED, mac, serial.value(), rigId, "Rig '" + rigName
                    + "' verified MAC " + mac + " in the OTP of board " + serial
                    + ", but the server never gave that MAC to that board.");
        }
    }

    private Session session() {
        return em.unwrap(Session.class);
    }
}
