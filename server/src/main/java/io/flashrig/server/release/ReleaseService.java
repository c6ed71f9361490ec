package io.flashrig.server.release;

import io.flashrig.contract.Quoted;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.server.audit.AuditLog;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.security.CurrentCaller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

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

    ReleaseService(EntityManager em, AuditLog audit, CurrentCaller caller) {
        this.em = em;
        this.audit = audit;
        this.caller = caller;
    }

    /** Stores a release; the same content again is the stored one, other content under its name a conflict. */
    @Transactional
    public Stored create(ReleaseManifest manifest) {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtext(?1))").setParameter(1, "release " + manifest.name())
                .getSingleResult();
        Optional<ReleaseView> existing = find(manifest.name());
        if (existing.isPresent()) {
            if (existing.get().manifestSha256().equals(manifest.sha256())) {
                return new Stored(existing.get(), false);
            }
            throw DomainException.conflict("A release named " + manifest.name() + " already exists with other content"
                    + " (manifest " + existing.get().manifestSha256() + ", this one " + manifest.sha256() + "); a"
                    + " release never changes: give the new image a new name.");
        }
        Instant now = Instant.now();
        em.createNativeQuery("INSERT INTO release (name, layout, manifest_sha256, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)")
                .setParameter(1, manifest.name()).setParameter(2, manifest.layout()).setParameter(3, manifest.sha256())
                .setParameter(4, now).setParameter(5, caller.name()).executeUpdate();
        for (Map.Entry<String, String> file : manifest.files().entrySet()) {
            em.createNativeQuery("INSERT INTO release_file (release_name, file_name, sha256) VALUES (?1, ?2, ?3)")
                    .setParameter(1, manifest.name()).setParameter(2, file.getKey()).setParameter(3, file.getValue())
                    .executeUpdate();
        }
        audit.record("release.create", "release " + manifest.name(), "manifest " + manifest.sha256() + ", layout "
                + manifest.layout() + ", " + manifest.files().size() + " files");
        return new Stored(find(manifest.name()).orElseThrow(), true);
    }

    @Transactional
    public List<ReleaseView> list() {
        List<String> names = strings(em.createNativeQuery("SELECT name FROM release ORDER BY created_at DESC, name").getResultList());
        List<ReleaseView> views = new ArrayList<>();
        for (String name : names) {
            views.add(find(name).orElseThrow());
        }
        return views;
    }

    @Transactional
    public ReleaseView get(String name) {
        return find(ReleaseManifest.checkName(name)).orElseThrow(() -> notFound(name));
    }

    /** Retires a release: every rig on it stops flashing until it gets another. Retiring twice changes nothing. */
    @Transactional
    public ReleaseView retire(String name) {
        ReleaseView release = get(name);
        if (!release.retired()) {
            em.createNativeQuery("UPDATE release SET retired_at = ?1 WHERE name = ?2").setParameter(1, Instant.now())
                    .setParameter(2, name).executeUpdate();
            audit.record("release.retire", "release " + name, "rigs on it stop flashing: "
                    + (release.rigs().isEmpty() ? "none pinned" : String.join(", ", release.rigs()))
                    + (release.isDefault() ? "; it is the default" : ""));
        }
        return get(name);
    }

    /** Pins a rig to a release; a retired release cannot be pinned (it would only stop the rig). */
    @Transactional
    public RigRelease pin(String rigName, String releaseName) {
        long rigId = rigId(rigName);
        ReleaseView release = usable(releaseName);
        RigRelease before = ofRig(rigName);
        em.createNativeQuery("""
                INSERT INTO rig_release (rig_id, release_name, pinned_at, pinned_by) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (rig_id) DO UPDATE SET release_name = EXCLUDED.release_name, pinned_at = EXCLUDED.pinned_at,
                    pinned_by = EXCLUDED.pinned_by""")
                .setParameter(1, rigId).setParameter(2, release.name()).setParameter(3, Instant.now())
                .setParameter(4, caller.name()).executeUpdate();
        audit.record("rig.release", "rig " + rigName, describe(before) + " -> " + release.name());
        return ofRig(rigName);
    }

    /** Removes a rig's pin: it flashes the default release, or its own layout when there is none. */
    @Transactional
    public RigRelease unpin(String rigName) {
        long rigId = rigId(rigName);
        RigRelease before = ofRig(rigName);
        if (em.createNativeQuery("DELETE FROM rig_release WHERE rig_id = ?1").setParameter(1, rigId).executeUpdate() > 0) {
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
        ReleaseView release = usable(releaseName);
        String before = defaultRelease().map(DefaultRelease::release).orElse("none");
        em.createNativeQuery("""
                INSERT INTO release_default (only_row, release_name, set_at, set_by) VALUES (true, ?1, ?2, ?3)
                ON CONFLICT (only_row) DO UPDATE SET release_name = EXCLUDED.release_name, set_at = EXCLUDED.set_at,
                    set_by = EXCLUDED.set_by""")
                .setParameter(1, release.name()).setParameter(2, Instant.now()).setParameter(3, caller.name()).executeUpdate();
        audit.record("release.default", "default release", before + " -> " + release.name());
        return defaultRelease().orElseThrow();
    }

    /** Removes the default: rigs without a pin flash their own layout, as without releases. */
    @Transactional
    public void clearDefault() {
        Optional<DefaultRelease> before = defaultRelease();
        if (before.isPresent()) {
            em.createNativeQuery("DELETE FROM release_default").executeUpdate();
            audit.record("release.default", "default release", before.get().release() + " -> none");
        }
    }

    @Transactional
    public Optional<DefaultRelease> defaultRelease() {
        List<?> rows = em.createNativeQuery("""
                SELECT d.release_name, r.manifest_sha256, r.retired_at IS NOT NULL, d.set_at, d.set_by
                FROM release_default d JOIN release r ON r.name = d.release_name""").getResultList();
        return rows.stream().findFirst().map(row -> {
            Object[] r = (Object[]) row;
            return new DefaultRelease((String) r[0], (String) r[1], (Boolean) r[2], instant(r[3]), (String) r[4]);
        });
    }

    /**
     * The release a rig flashes, with its files: its pin, else the default; empty when neither is set. One indexed
     * read, made on every stream response so that a new pin reaches the rig within a heartbeat.
     */
    @Transactional
    public Optional<RigPin> pinOf(long rigId) {
        List<?> rows = em.createNativeQuery("""
                SELECT r.name, r.layout, r.manifest_sha256, r.retired_at IS NOT NULL, 'pinned' FROM rig_release p
                JOIN release r ON r.name = p.release_name WHERE p.rig_id = ?1
                UNION ALL
                SELECT r.name, r.layout, r.manifest_sha256, r.retired_at IS NOT NULL, 'default' FROM release_default d
                JOIN release r ON r.name = d.release_name WHERE NOT EXISTS (SELECT 1 FROM rig_release WHERE rig_id = ?1)""")
                .setParameter(1, rigId).getResultList();
        return rows.stream().findFirst().map(row -> {
            Object[] r = (Object[]) row;
            String name = (String) r[0];
            return new RigPin(name, (String) r[1], (String) r[2], files(name), (Boolean) r[3], (String) r[4]);
        });
    }

    /** A rig's release by name only, for lists of rigs. */
    public record ReleaseName(String name, boolean retired, String source) {
    }

    /** Every rig's release by rig id, in one read: a rig without a pin has the default's, if any. */
    @Transactional
    public Map<Long, ReleaseName> releaseNames() {
        Map<Long, ReleaseName> names = new java.util.HashMap<>();
        for (Object row : em.createNativeQuery("""
                SELECT g.id, r.name, r.retired_at IS NOT NULL, CASE WHEN p.rig_id IS NULL THEN 'default' ELSE 'pinned' END
                  FROM rig g LEFT JOIN rig_release p ON p.rig_id = g.id
                  LEFT JOIN release_default d ON p.rig_id IS NULL
                  JOIN release r ON r.name = COALESCE(p.release_name, d.release_name)
                 WHERE g.revoked_at IS NULL""").getResultList()) {
            Object[] r = (Object[]) row;
            names.put(((Number) r[0]).longValue(), new ReleaseName((String) r[1], (Boolean) r[2], (String) r[3]));
        }
        return names;
    }

    private ReleaseView usable(String releaseName) {
        ReleaseView release = get(releaseName);
        if (release.retired()) {
            throw DomainException.conflict("The release " + release.name() + " is retired; a rig on it would flash"
                    + " nothing. Choose a release that is not retired.");
        }
        return release;
    }

    private Optional<ReleaseView> find(String name) {
        List<?> rows = em.createNativeQuery("SELECT name, layout, manifest_sha256, created_at, created_by, retired_at FROM release WHERE name = ?1")
                .setParameter(1, name).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] r = (Object[]) rows.get(0);
        List<String> rigs = strings(em.createNativeQuery("""
                SELECT g.name FROM rig_release p JOIN rig g ON g.id = p.rig_id WHERE p.release_name = ?1 ORDER BY g.name""")
                .setParameter(1, name).getResultList());
        boolean isDefault = defaultRelease().map(d -> d.release().equals(name)).orElse(false);
        return Optional.of(new ReleaseView(name, (String) r[1], (String) r[2], files(name), instant(r[3]), (String) r[4],
                r[5] != null, instant(r[5]), rigs, isDefault));
    }

    private Map<String, String> files(String release) {
        Map<String, String> files = new TreeMap<>();
        for (Object row : em.createNativeQuery("SELECT file_name, sha256 FROM release_file WHERE release_name = ?1")
                .setParameter(1, release).getResultList()) {
            Object[] r = (Object[]) row;
            files.put((String) r[0], (String) r[1]);
        }
        return new LinkedHashMap<>(files);
    }

    private long rigId(String rigName) {
        List<?> ids = em.createNativeQuery("SELECT id FROM rig WHERE name = ?1 AND revoked_at IS NULL")
                .setParameter(1, rigName).getResultList();
        if (ids.isEmpty()) {
            throw DomainException.notFound("There is no rig in service named '" + Quoted.of(rigName) + "'.");
        }
        return ((Number) ids.get(0)).longValue();
    }

    private static String describe(RigRelease release) {
        return release.release() == null ? "none" : release.release() + " (" + release.source() + ")";
    }

    private static DomainException notFound(String name) {
        return DomainException.notFound("There is no release named '" + Quoted.of(name) + "'.");
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(List<?> rows) {
        return (List<String>) rows;
    }

    private static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        return ((java.sql.Timestamp) value).toInstant();
    }
}
