package io.flashrig.server.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One pushed change: a board ({@code type = "board"}) or a rig ({@code type = "rig"}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveUpdate(String type, LiveBoard board, LiveRig rig, PoolSummary pool) {

    static LiveUpdate of(LiveBoard board, PoolSummary pool) {
        return new LiveUpdate("board", board, null, pool);
    }

    static LiveUpdate of(LiveRig rig) {
        return new LiveUpdate("rig", null, rig, null);
    }

    /** Keeps idle connections open through proxies that close silent ones. */
    static LiveUpdate keepAlive() {
        return new LiveUpdate("keep-alive", null, null, null);
    }
}
