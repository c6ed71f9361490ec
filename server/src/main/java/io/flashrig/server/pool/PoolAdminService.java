package io.flashrig.server.pool;

import io.flashrig.contract.MacAddress;
import io.flashrig.server.audit.AuditLog;
import io.flashrig.server.error.DomainException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.hibernate.Session;
import org.hibernate.exception.ConstraintViolationException;

/**
 * The MAC pool as admins run it: ranges (added, listed, retired, deleted), the pool's counts, and single MACs (looked up,
 * quarantined, their write claim released). Every change is audited. The rigs' side is {@link PoolService}'s.
 */
@ApplicationScoped
public class PoolAdminService {

    /** A range with how much of it is used. */
    public record RangeView(long id, String first, String last, String label, long size, long assigned,
            long available, boolean retired, Instant createdAt, Instant retiredAt) {
    }

    /** Counts over every range. */
    public record PoolView(long total, long assigned, long fused, long quarantined, long available) {
    }

    /**
     * Everything about one MAC; {@code writeClaimedBy} and {@code writeClaimedAt} name the rig that claimed its one
     * OTP write, and when (both null while nobody did).
     */
    public record MacView(String mac, String state, String origin, String boardSerial, String rig, Long rangeId,
            Instant assignedAt, Instant fusedAt, Instant quarantinedAt, String quarantineReason, String writeClaimedBy,
            Instant writeClaimedAt) {
    }

    private final EntityManager em;
    private final AuditLog audit;
    private final MacAllocator allocator;

    PoolAdminService(EntityManager em, AuditLog audit, MacAllocator allocator) {
        this.em = em;
        this.audit = audit;
        this.allocator = allocator;
    }

    /** An admin checked that a claimed write never reached a board (its OTP reads blank): the MAC may be claimed again. */
    @Transactional
    public MacView releaseWrite(MacAddress mac, String reason) {
        if (reason == null || reason.isBlank() || reason.length() > 1000) {
            throw DomainException.invalid("reason is required: say how you know the claimed write never reached the"
                    + " board, e.g. \"OTP words 57/58 of board X read blank\" (1 to 1000 characters).");
        }
        MacAssignment assignment = findAssignment(mac);
        if (!session().doReturningWork(c -> allocator.releaseWrite(c, mac))) {
            throw DomainException.conflict("MAC " + mac + " has no claimed write to release (it is "
                    + assignment.state.name() + (assignment.state == MacAssignment.State.ASSIGNED
                    ? " and nobody claimed its write" : "") + ").");
        }
        audit.record("mac.release-write", mac.toString(), "board " + assignment.boardSerial + ": " + reason.strip());
        em.refresh(assignment);
        return view(assignment);
    }

    @Transactional
    public RangeView createRange(String first, String last, String label) {
        MacAddress from = MacAddress.parse(first);
        MacAddress to = MacAddress.parse(last);
        if (from.compareTo(to) > 0) {
            throw DomainException.invalid("first (" + from + ") must not come after last (" + to + ").");
        }
        if (from.firstOctet() != to.firstOctet()) {
            throw DomainException.invalid("A MAC range must stay within one first byte (" + from + " and " + to
                    + " differ in it), so that it never runs into multicast addresses.");
        }
        if (from.value() < 0x10000) {
            throw DomainException.invalid("A MAC range must not start in 00:00:00:00:xx:xx: such a MAC's OTP word 57"
                    + " would read blank after fusing.");
        }
        if (label == null || label.isBlank() || label.length() > 200) {
            throw DomainException.invalid("label is required: say where the range comes from (1 to 200 characters).");
        }
        Optional<String> overlapping = session().doReturningWork(
                c -> RangeSql.overlapping(c, from.value(), to.value()));
        if (overlapping.isPresent()) {
            throw DomainException.conflict("The range " + from + " – " + to + " overlaps " + overlapping.get() + ".");
        }
        MacRange range = new MacRange();
        range.firstMac = from.value();
        range.lastMac = to.value();
        range.label = label.strip();
        range.createdAt = Instant.now();
        try {
            range.persistAndFlush();
        } catch (ConstraintViolationException e) {
            throw DomainException.conflict("The range " + from + " – " + to
                    + " overlaps a range created at the same moment; list the ranges and try again.");
        }
        audit.record("mac-range.create", range.describe(), range.size() + " addresses");
        return view(range, 0);
    }

    @Transactional
    public List<RangeView> ranges() {
        List<Object[]> rows = em.createQuery("""
                select r, (select count(a) from MacAssignment a where a.rangeId = r.id)
                  from MacRange r order by r.firstMac""", Object[].class).getResultList();
        return rows.stream().map(row -> view((MacRange) row[0], (Long) row[1])).toList();
    }

    @Transactional
    public RangeView range(long id) {
        MacRange range = findRange(id);
        return view(range, MacAssignment.count("rangeId", id));
    }

    @Transactional
    public RangeView retire(long id) {
        MacRange range = lockRange(id);
        if (range.retiredAt == null) {
            range.retiredAt = Instant.now();
            audit.record("mac-range.retire", range.describe(), "no new assignments from it");
        }
        return view(range, MacAssignment.count("rangeId", id));
    }

    @Transactional
    public void deleteRange(long id) {
        MacRange range = lockRange(id);
        long used = MacAssignment.count("rangeId", id);
        if (used > 0 || range.nextOffset > 0) {
            throw DomainException.conflict("The " + range.describe() + " cannot be deleted: " + used
                    + " of its addresses belong to boards. Retire it instead.");
        }
        range.delete();
        audit.record("mac-range.delete", range.describe(), null);
    }

    @Transactional
    public PoolView pool() {
        RangeSql.Counts counts = session().doReturningWork(RangeSql::counts);
        return new PoolView(counts.total(), counts.assigned(), counts.fused(), counts.quarantined(), available());
    }

    /** Addresses still to hand out from active ranges. */
    @Transactional
    public long available() {
        return session().doReturningWork(RangeSql::available);
    }

    @Transactional
    public MacView mac(MacAddress mac) {
        return view(findAssignment(mac));
    }

    @Transactional
    public MacView quarantine(MacAddress mac, String reason) {
        if (reason == null || reason.isBlank() || reason.length() > 1000) {
            throw DomainException.invalid("reason is required: say why the MAC is taken out of use"
                    + " (1 to 1000 characters).");
        }
        MacAssignment assignment = findAssignment(mac);
        if (session().doReturningWork(c -> allocator.quarantine(c, mac, reason.strip(), Instant.now()))) {
            audit.record("mac.quarantine", mac.toString(), "board " + assignment.boardSerial + ": " + reason.strip());
            em.refresh(assignment);
        }
        return view(assignment);
    }

    private MacAssignment findAssignment(MacAddress mac) {
        MacAssignment assignment = MacAssignment.findById(mac.value());
        if (assignment == null) {
            throw DomainException.notFound("The MAC " + mac + " belongs to no board.");
        }
        return assignment;
    }

    private static MacRange findRange(long id) {
        return existing(MacRange.findById(id), id);
    }

    /**
     * The range, locked as {@link MacAllocator} locks it to take an address: Hibernate writes every column back, so a
     * change of an unlocked range could put back a {@code next_offset} that an assignment has just moved on.
     */
    private static MacRange lockRange(long id) {
        return existing(MacRange.findById(id, LockModeType.PESSIMISTIC_WRITE), id);
    }

    private static MacRange existing(MacRange range, long id) {
        if (range == null) {
            throw DomainException.notFound("There is no MAC range with id " + id + ".");
        }
        return range;
    }

    private MacView view(MacAssignment a) {
        return new MacView(new MacAddress(a.mac).toString(), a.state.name(), a.origin.name(), a.boardSerial,
                rigName(a.rigId), a.rangeId, a.assignedAt, a.fusedAt, a.quarantinedAt, a.quarantineReason,
                rigName(a.writeRigId), a.writeClaimedAt);
    }

    private String rigName(Long rigId) {
        return rigId == null ? null
                : em.createQuery("select r.name from Rig r where r.id = ?1", String.class).setParameter(1, rigId)
                        .getSingleResult();
    }

    private static RangeView view(MacRange r, long assigned) {
        return new RangeView(r.id, new MacAddress(r.firstMac).toString(), new MacAddress(r.lastMac).toString(),
                r.label, r.size(), assigned, r.retiredAt == null ? r.size() - assigned : 0, r.retiredAt != null,
                r.createdAt, r.retiredAt);
    }

    private Session session() {
        return em.unwrap(Session.class);
    }
}
