package io.flashrig.server.rig;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import io.flashrig.server.security.Caller;
import io.flashrig.server.security.RigTokenLookup;
import io.flashrig.server.security.Role;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** Rig tokens as the sign-in sees them: a rig's current token, a revoked rig's, or one an admin replaced. */
@ApplicationScoped
public class RigTokens implements RigTokenLookup {

    @Override
    public Caller holder(String tokenHash) {
        Rig rig = Rig.find("tokenHash", tokenHash).firstResult();
        if (rig != null) {
            if (rig.revokedAt != null) {
                throw unauthenticated(ErrorReason.ERROR_REASON_RIG_REVOKED, "The token of rig '" + rig.name
                        + "' was revoked by an admin. An admin brings the rig back with a new token by registering"
                        + " its name again.", Map.of("rig", rig.name));
            }
            return new Caller(rig.name, Role.RIG, rig.id, null);
        }
        RetiredRigToken retired = RetiredRigToken.findById(tokenHash);
        if (retired != null) {
            throw unauthenticated(ErrorReason.ERROR_REASON_TOKEN_REPLACED, "This is an old token of rig '"
                    + retired.rig.name + "': an admin replaced it with a new one on " + retired.retiredAt
                    + ". Put the rig's current token, from an admin, in the agent's settings.",
                    Map.of("rig", retired.rig.name, "replaced_at", retired.retiredAt.toString()));
        }
        return null;
    }

    private static DomainException unauthenticated(ErrorReason reason, String message, Map<String, String> metadata) {
        return new DomainException(DomainException.Kind.UNAUTHENTICATED, reason, message, metadata);
    }
}
