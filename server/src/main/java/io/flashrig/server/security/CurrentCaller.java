package io.flashrig.server.security;

import jakarta.enterprise.context.RequestScoped;

/** The authenticated caller of the current REST request, set by {@link BearerAuthFilter}. */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    /** The authenticated caller; set for every {@code /api/v1} request that reaches a resource. */
    public Caller caller() {
        return caller;
    }

    /** The caller's name for the audit trail. */
    public String name() {
        return caller == null ? "system" : caller.name();
    }
}
