package io.flashrig.server.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One pushed change: a board ({@code type = "board"}), a rig ({@code type = "rig"}) or a new MAC alert
 * ({@code type = "alert"}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveUpdate(String type, LiveBoard board, LiveRig rig, PoolSummary pool, LiveAlert alert) {

    static LiveUpdate of(LiveBoard board, PoolSummary pool) {
        return new LiveUpdate("board", board, null, pool, null);
    }

    static LiveUpdate of(LiveRig rig) {
        return new LiveUpdate("rig", null, rig, null, null);
    }

    static LiveUpdate of(LiveAlert alert) {
        return new LiveUpdate("alert", null, null, null, alert);
    }

    /**
     * Not sent: tells a dashboard's stream that the token it was opened with has been revoked, so that it ends. Compared
     * by identity.
     */
    static final LiveUpdate TOKEN_REVOKED = new LiveUpdate("token-revoked", null, null, null, null);

    /** Keeps idle connections open through proxies that close silent ones. */
    static LiveUpdate keepAlive() {
        return new LiveUpdate("keep-alive", null, null, null, null);
    }
}
