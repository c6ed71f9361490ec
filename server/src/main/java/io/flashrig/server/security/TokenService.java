package io.flashrig.server.security;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.audit.AuditLog;
import io.flashrig.server.error.DomainException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Finds who a bearer token belongs to, and issues and revokes admin and viewer tokens. */
@ApplicationScoped
public class TokenService {

    /** A freshly issued token: the secret is shown this once. */
    public record IssuedToken(long id, String name, Role role, String token) {
    }

    /** A token as listed: never its secret. */
    public record TokenView(long id, String name, Role role, Instant createdAt, String createdBy, Instant revokedAt) {
    }

    private static final Logger LOG = Logger.getLogger(TokenService.class);

    static final String BOOTSTRAP_ADMIN = "bootstrap-admin";

    private final Optional<String> bootstrapHash;
    private final AuditLog audit;
    private final CurrentCaller caller;
    private final RefusedSignIns refusedSignIns;
    private final RigTokenLookup rigTokens;
    private final TokenCache cache;

    TokenService(FlashRigConfig config, AuditLog audit, CurrentCaller caller, RefusedSignIns refusedSignIns,
            RigTokenLookup rigTokens, TokenCache cache) {
        this.bootstrapHash = config.adminToken().filter(t -> !t.isBlank()).map(Tokens::hash);
        this.audit = audit;
        this.caller = caller;
        this.refusedSignIns = refusedSignIns;
        this.rigTokens = rigTokens;
        this.cache = cache;
    }

    @Transactional
    void warnWithoutAdmin(@Observes StartupEvent startup) {
        if (bootstrapHash.isEmpty() && ApiToken.count("role = ?1 and revokedAt is null", Role.ADMIN) == 0) {
            LOG.warn("No admin token: set FLASHRIG_ADMIN_TOKEN (flashrig.admin-token) to use the REST API.");
        }
    }

    /**
     * Who holds the token in an {@code authorization} value; refuses missing, unknown and revoked tokens, and leaves a
     * trace of each refusal. An accepted token is asked of the database once, then of the {@link TokenCache} until any
     * token changes.
     *
     * @param where the protocol, call and remote address, for the log of refused sign-ins
     */
    public Caller authenticate(String authorization, String where) {
        try {
            return lookUp(authorization);
        } catch (DomainException refused) {
            refusedSignIns.record(refused, authorization, where);
            throw refused;
        }
    }

    private Caller lookUp(String authorization) {
        String token = Tokens.fromAuthorization(authorization);
        if (token == null) {
            throw unauthenticated(ErrorReason.ERROR_REASON_TOKEN_MISSING,
                    "No credentials: send 'Authorization: Bearer <token>'.", Map.of());
        }
        String hash = Tokens.hash(token);
        if (bootstrapHash.isPresent() && MessageDigest.isEqual(bootstrapHash.get().getBytes(StandardCharsets.US_ASCII),
                hash.getBytes(StandardCharsets.US_ASCII))) {
            return new Caller(BOOTSTRAP_ADMIN, Role.ADMIN, null, null);
        }
        Caller cached = cache.get(hash);
        if (cached != null) {
            return cached;
        }
        long lookedUpAt = cache.generation();
        Caller caller = QuarkusTransaction.joiningExisting().call(() -> lookUpHash(hash));
        cache.put(hash, caller, lookedUpAt);
        return caller;
    }

    private Caller lookUpHash(String hash) {
        ApiToken apiToken = ApiToken.find("tokenHash", hash).firstResult();
        if (apiToken != null && apiToken.revokedAt == null) {
            return new Caller(apiToken.name, apiToken.role, null, apiToken.id);
        }
        Caller rig = rigTokens.holder(hash);
        if (rig != null) {
            return rig;
        }
        throw unauthenticated(ErrorReason.ERROR_REASON_TOKEN_INVALID,
                "The bearer token is not known to this server (or was revoked).", Map.of());
    }

    /**
     * The rig holding the token, if this replica's cache vouches for it right now; null means ask
     * {@link #authenticateRig}, which may read the database. Never blocks: for calls that stay on the event loop.
     */
    public Caller knownRig(String authorization) {
        String token = Tokens.fromAuthorization(authorization);
        if (token == null) {
            return null;
        }
        Caller known = cache.fresh(Tokens.hash(token));
        return known != null && known.role() == Role.RIG ? known : null;
    }

    /** The rig holding the token; admin and viewer tokens are refused. */
    public Caller authenticateRig(String authorization, String where) {
        Caller caller = authenticate(authorization, where);
        if (caller.role() != Role.RIG) {
            refusedSignIns.wrongKind(authorization, where);
            throw new DomainException(DomainException.Kind.FORBIDDEN, ErrorReason.ERROR_REASON_NOT_A_RIG_TOKEN,
                    "This is an " + caller.role().name().toLowerCase(Locale.ROOT) + " token for the REST API; the"
                            + " rig service needs a rig token (POST /api/v1/rigs).", Map.of());
        }
        return caller;
    }

    @Transactional
    public IssuedToken issue(String name, String role) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw DomainException.invalid("name is required: who will use the token (1 to 100 characters).");
        }
        Role parsed = parseRole(role);
        String token = Tokens.generate(parsed);
        ApiToken entity = new ApiToken();
        entity.name = name.strip();
        entity.role = parsed;
        entity.tokenHash = Tokens.hash(token);
        entity.createdAt = Instant.now();
        entity.createdBy = caller.name();
        entity.persist();
        audit.record("token.issue", "token " + entity.id, entity.role + " token for '" + entity.name + "'");
        return new IssuedToken(entity.id, entity.name, entity.role, token);
    }

    @Transactional
    public List<TokenView> list() {
        return ApiToken.<ApiToken>listAll().stream()
                .map(t -> new TokenView(t.id, t.name, t.role, t.createdAt, t.createdBy, t.revokedAt)).toList();
    }

    @Transactional
    public void revoke(long id) {
        ApiToken token = ApiToken.findById(id);
        if (token == null) {
            throw DomainException.notFound("There is no token with id " + id + ".");
        }
        if (token.revokedAt == null) {
            token.revokedAt = Instant.now();
            cache.forgetAfterCommit();
            audit.record("token.revoke", "token " + id, token.role + " token for '" + token.name + "'");
        }
    }

    private static Role parseRole(String role) {
        if (role != null) {
            String upper = role.strip().toUpperCase(Locale.ROOT);
            if (upper.equals("ADMIN") || upper.equals("VIEWER")) {
                return Role.valueOf(upper);
            }
        }
        throw DomainException.invalid("role must be 'admin' or 'viewer', not " + (role == null ? "missing" : "'"
                + role + "'") + ". Rig tokens come from POST /api/v1/rigs.");
    }

    private static DomainException unauthenticated(ErrorReason reason, String message, Map<String, String> metadata) {
        return new DomainException(DomainException.Kind.UNAUTHENTICATED, reason, message, metadata);
    }
}
