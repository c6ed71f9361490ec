package io.flashrig.server.release;

import io.flashrig.contract.Quoted;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.server.audit.AuditLog;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.security.CurrentCaller;
import io.flashrig.server.sql.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.hibernate.Session;
import org.hibernate.jdbc.ReturningWork;

/**
 * Releases and which rig flashes which: storing a release (never changing one), retiring it, pinning rigs and setting
 * the default. Every change is audited in its own transaction. Concurrent posts of one name, on any replica, are
 * serialised by an advisory lock on the name, so the second sees the first and answers "same" or "conflict".
 */
@ApplicationScoped
public class ReleaseService {

    /**
     * A release as the API shows it. Its files are named by their SHA-256 (name as the layout gives it → hash): a file
     * is its content, which is what a later file store will serve.
     *
     * @param rigs the rigs pinned to it by name (rigs on the default are not listed)
     * @param isDefault whether rigs without a pin flash it
     */
    public record ReleaseView(String name, String layout, String manifestSha256, Map<String, String> files,
            Instant createdAt, String createdBy, boolean retired, Instant retiredAt, List<String> rigs,
            boolean isDefault) {
    }

    /** A stored release and whether this call stored it. */
    public record Stored(ReleaseView release, boolean created) {
    }

    /** The release a rig flashes and where that comes from. */
    public record RigRelease(String rig, String release, String manifestSha256, boolean retired, String source) {
    }

    /** The default release, if any. */
    public record DefaultRelease(String release, String manifestSha256, boolean retired, Instant setAt, String setBy) {
    }

    private final EntityManager em;
    private final AuditLog audit;
    private final CurrentCaller caller;
    private final PinCache pins;

    ReleaseService(EntityManager em, AuditLog audit, CurrentCaller caller, PinCache pins) {
        this.em = em;
        this.audit = audit;
        this.caller = caller;
        this.pins = pins;
    }

    /** Stores a release; the same content again is the stored one, other content under its name a conflict. */
    @Transactional
    public Stored create(ReleaseManifest manifest) {
        lock("release " + manifest.name());
        Release existing = Release.findById(manifest.name());
        if (existing != null) {
            if (existing.manifestSha256.equals(manifest.sha256())) {
                return new Stored(view(existing), false);
            }
            throw DomainException.conflict("A release named " + manifest.name() + " already exists with other content"
                    + " (manifest " + existing.manifestSha256 + ", this one " + manifest.sha256() + "); a"
                    + " release never changes: give the new image a new name.");
        }
        Release release = new Release();
        release.name = manifest.name();
        release.layout = manifest.layout();
        release.manifestSha256 = manifest.sha256();
        release.files.putAll(manifest.files());
        release.createdAt = Instant.now();
        release.createdBy = caller.name();
        release.persist();
        audit.record("release.create", "release " + manifest.name(), "manifest " + manifest.sha256() + ", layout "
                + manifest.layout() + ", " + manifest.files().size() + " files");
        return new Stored(view(release), true);
    }

    @Transactional
    public List<ReleaseView> list() {
        return Release.<Release>list("order by createdAt desc, name").stream().map(this::view).toList();
    }

    @Transactional
    public ReleaseView get(String name) {
        return view(release(name));
    }

    /** Retires a release: every rig on it stops flashing until it gets another. Retiring twice changes nothing. */
    @Transactional
    public ReleaseView retire(String name) {
        Release release = release(name);
        if (release.retiredAt == null) {
            ReleaseView before = view(release);
            release.retiredAt = Instant.now();
            pins.forgetAfterCommit();
            audit.record("release.retire", "release " + name, "rigs on it stop flashing: "
                    + (before.rigs().isEmpty() ? "none pinned" : String.join(", ", before.rigs()))
                    + (before.isDefault() ? "; it is the default" : ""));
        }
        return view(release);
    }

    /** Pins a rig to a release; a retired release cannot be pinned (it would only stop the rig). */
    @Transactional
    public RigRelease pin(String rigName, String releaseName) {
        long rigId = rigId(rigName);
        Release release = usable(releaseName);
        RigRelease before = ofRig(rigName);
        // Two admins pinning one rig at once: the second waits, then changes the first one's pin.
        lock("rig release " + rigId);
        RigReleasePin pin = RigReleasePin.<RigReleasePin>findByIdOptional(rigId).orElseGet(() -> {
            RigReleasePin created = new RigReleasePin();
            created.rigId = rigId;
            return created;
        });
        pin.releaseName = release.name;
        pin.pinnedAt = Instant.now();
        pin.pinnedBy = caller.name();
        pin.persist();
        pins.forgetAfterCommit();
        audit.record("rig.release", "rig " + rigName, describe(before) + " -> " + release.name);
        return ofRig(rigName);
    }

    /** Removes a rig's pin: it flashes the default release, or its own layout when there is none. */
    @Transactional
    public RigRelease unpin(String rigName) {
        long rigId = rigId(rigName);
        RigRelease before = ofRig(rigName);
        if (RigReleasePin.deleteById(rigId)) {
            pins.forgetAfterCommit();
            audit.record("rig.release", "rig " + rigName, describe(before) + " -> unpinned");
        }
        return ofRig(rigName);
    }

    @Transactional
    public RigRelease ofRig(String rigName) {
        long rigId = rigId(rigName);
        return pinOf(rigId).map(p -> new RigRelease(rigName, p.name(), p.manifestSha256(), p.retired(), p.source()))
                .orElse(new RigRelease(rigName, null, null, false, "none"));
    }

    /** Sets the release of rigs without a pin. */
    @Transactional
    public DefaultRelease setDefault(String releaseName) {
        Release release = usable(releaseName);
        String before = defaultRelease().map(DefaultRelease::release).orElse("none");
        lock("release default");
        ReleaseDefault chosen = ReleaseDefault.<ReleaseDefault>findByIdOptional(ReleaseDefault.ONLY_ROW)
                .orElseGet(ReleaseDefault::new);
        chosen.releaseName = release.name;
        chosen.setAt = Instant.now();
        chosen.setBy = caller.name();
        chosen.persist();
        pins.forgetAfterCommit();
        audit.record("release.default", "default release", before + " -> " + release.name);
        return defaultRelease().orElseThrow();
    }

    /** Removes the default: rigs without a pin flash their own layout, as without releases. */
    @Transactional
    public void clearDefault() {
        Optional<DefaultRelease> before = defaultRelease();
        if (before.isPresent()) {
            ReleaseDefault.deleteById(ReleaseDefault.ONLY_ROW);
            pins.forgetAfterCommit();
            audit.record("release.default", "default release", before.get().release() + " -> none");
        }
    }

    @Transactional
    public Optional<DefaultRelease> defaultRelease() {
        return ReleaseDefault.<ReleaseDefault>findByIdOptional(ReleaseDefault.ONLY_ROW).map(d -> {
            Release release = Release.findById(d.releaseName);
            return new DefaultRelease(d.releaseName, release.manifestSha256, release.retiredAt != null, d.setAt,
                    d.setBy);
        });
    }

    /**
     * The release a rig flashes, with its files: its pin, else the default; empty when neither is set. Answers to rigs
     * read it through {@link PinCache}, once per rig until it changes.
     */
    @Transactional
    public Optional<RigPin> pinOf(long rigId) {
        return sql(c -> ReleaseSql.pinOf(c, rigId));
    }

    /** A rig's release by name only, for lists of rigs. */
    public record ReleaseName(String name, boolean retired, String source) {
    }

    /** Every rig's release by rig id, in one read: a rig without a pin has the default's, if any. */
    @Transactional
    public Map<Long, ReleaseName> releaseNames() {
        return sql(ReleaseSql::releaseNames);
    }

    private Release release(String name) {
        return Release.<Release>findByIdOptional(ReleaseManifest.checkName(name)).orElseThrow(() -> notFound(name));
    }

    private Release usable(String releaseName) {
        Release release = release(releaseName);
        if (release.retiredAt != null) {
            throw DomainException.conflict("The release " + release.name + " is retired; a rig on it would flash"
                    + " nothing. Choose a release that is not retired.");
        }
        return release;
    }

    private ReleaseView view(Release release) {
        List<String> rigs = sql(c -> ReleaseSql.pinnedRigs(c, release.name));
        boolean isDefault = defaultRelease().map(d -> d.release().equals(release.name)).orElse(false);
        return new ReleaseView(release.name, release.layout, release.manifestSha256,
                new LinkedHashMap<>(new TreeMap<>(release.files)), release.createdAt, release.createdBy,
                release.retiredAt != null, release.retiredAt, rigs, isDefault);
    }

    private long rigId(String rigName) {
        return sql(c -> ReleaseSql.rigId(c, rigName)).orElseThrow(
                () -> DomainException.notFound("There is no rig in service named '" + Quoted.of(rigName) + "'."));
    }

    /** Waits for whoever changes the same thing on any replica, until this transaction ends. */
    private void lock(String key) {
        em.unwrap(Session.class).doWork(c -> Jdbc.lockUntilCommit(c, key));
    }

    /**
     * Runs SQL on the session's connection, so that it shares the transaction; Hibernate's pending writes go first,
     * since SQL does not see what the session has not flushed.
     */
    private <T> T sql(ReturningWork<T> work) {
        em.flush();
        return em.unwrap(Session.class).doReturningWork(work);
    }

    private static String describe(RigRelease release) {
        return release.release() == null ? "none" : release.release() + " (" + release.source() + ")";
    }

    private static DomainException notFound(String name) {
        return DomainException.notFound("There is no release named '" + Quoted.of(name) + "'.");
    }
}
