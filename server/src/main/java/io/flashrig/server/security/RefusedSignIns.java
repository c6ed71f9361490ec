package io.flashrig.server.security;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.FlashRigConfig;
import io.flashrig.server.error.DomainException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Leaves a trace of every refused sign-in, REST and dashboard bearer tokens and rig gRPC tokens alike: counted in
 * {@code flashrig.auth.refused{reason}}, and logged at most once a minute (flashrig.refused-sign-in-log-interval) per reason. The log never holds the token,
 * only its length and the start of its SHA-256: enough to tell one stale token from many guesses, and to match a
 * stored hash, but useless to sign in with.
 */
@ApplicationScoped
public class RefusedSignIns {

    private static final Logger LOG = Logger.getLogger(RefusedSignIns.class);
    static final String METRIC = "flashrig.auth.refused";

    private final MeterRegistry registry;
    private final LogBudget budget;

    RefusedSignIns(MeterRegistry registry, FlashRigConfig config) {
        this.registry = registry;
        this.budget = new LogBudget(config.refusedSignInLogInterval(), System::nanoTime);
    }

    /**
     * Records the refusal if {@code refusal} is one: a missing, unknown, revoked or replaced token, or one of the wrong
     * kind for where it was sent. Anything else (a viewer trying to write, say) is not a sign-in and is left alone.
     *
     * @param where the protocol, call and remote address, e.g. "REST GET /api/v1/mac-pool from 10.0.0.7:51234"
     */
    public void record(RuntimeException refusal, String authorization, String where) {
        String reason = reason(refusal);
        if (reason != null) {
            count(reason, authorization, where);
        }
    }

    /** Records a known token sent where its kind does not work, such as a rig's token on the REST API. */
    public void wrongKind(String authorization, String where) {
        count("wrong_kind", authorization, where);
    }

    private void count(String reason, String authorization, String where) {
        Counter.builder(METRIC).description("Sign-ins refused, by why").tag("reason", reason).register(registry)
                .increment();
        long heldBack = budget.take(reason);
        if (heldBack >= 0) {
            LOG.warnf("Refused sign-in (%s) on %s with %s%s", reason.replace('_', ' '), where,
                    describe(Tokens.fromAuthorization(authorization)),
                    heldBack == 0 ? "" : "; " + heldBack + " more refused for the same reason since the last such line");
        }
    }

    private static String reason(RuntimeException refusal) {
        if (!(refusal instanceof DomainException e)) {
            return null;
        }
        if (e.kind() == DomainException.Kind.UNAUTHENTICATED) {
            ErrorReason reason = e.reason();
            return reason == ErrorReason.ERROR_REASON_TOKEN_MISSING ? "missing"
                    : reason == ErrorReason.ERROR_REASON_RIG_REVOKED ? "revoked"
                    : reason == ErrorReason.ERROR_REASON_TOKEN_REPLACED ? "replaced"
                    : "unknown";
        }
        return e.reason() == ErrorReason.ERROR_REASON_NOT_A_RIG_TOKEN ? "wrong_kind" : null;
    }

    private static String describe(String token) {
        return token == null ? "no token" : "a token of " + token.length() + " characters, SHA-256 "
                + Tokens.hash(token).substring(0, 8) + "…";
    }
}
