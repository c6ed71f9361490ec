package io.flashrig.server.security;

/**
 * Who holds a rig token. The rig feature keeps rigs and their replaced tokens and answers this, so that security, which
 * every feature uses, depends on none of them.
 */
public interface RigTokenLookup {

    /**
     * The rig whose current token has {@code tokenHash}; null when no rig's token, current or replaced, has it.
     *
     * @throws io.flashrig.server.error.DomainException UNAUTHENTICATED for a revoked rig's token or a replaced one,
     *                                                  saying which rig and what to do
     */
    Caller holder(String tokenHash);
}
