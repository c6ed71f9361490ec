package io.flashrig.agent.job;

import io.flashrig.contract.BoardEventText;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;

/**
 * Cleans the free text of a board event as {@link EventText} says, field by field with the contract's limits. Every
 * event passes through here when it is built, so that no NUL byte, escape sequence or unbounded line from the
 * programmer or the USB bus reaches the queue, the server or the operator's screen; the attempt's log keeps the raw
 * bytes. The fields are walked by the contract's {@link BoardEventText}, as the server walks them on arrival.
 */
public final class EventCleaner {

    private EventCleaner() {
    }

    /** Cleans {@code event}'s free text in place, its serial too; clean text stays as it is. */
    public static BoardEvent.Builder clean(BoardEvent.Builder event) {
        return BoardEventText.clean(event, BoardEventText.Serial.CLEAN);
    }
}
