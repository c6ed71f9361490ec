package io.flashrig.agent.job;

import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardInterrupted;
import java.util.List;

/**
 * Cleans the free text of a board event as {@link EventText} says, field by field with the contract's limits. Every
 * event passes through here when it is built, so that no NUL byte, escape sequence or unbounded line from the
 * programmer or the USB bus reaches the queue, the server or the operator's screen; the attempt's log keeps the raw
 * bytes. Text the agent makes itself (ids, hashes, canonical MACs) needs no cleaning.
 */
public final class EventCleaner {

    private EventCleaner() {
    }

    /** Cleans {@code event}'s free text in place; clean text stays as it is. */
    public static BoardEvent.Builder clean(BoardEvent.Builder event) {
        // A board reporting a broken serial is refused under the serial it reported, which then is text from the bus.
        event.setSerial(EventText.clean(event.getSerial(), EventText.NAME));
        if (event.hasSlot()) {
            event.getSlotBuilder().setPortPath(EventText.clean(event.getSlot().getPortPath(), EventText.PORT_PATH))
                    .setLabel(EventText.clean(event.getSlot().getLabel(), EventText.SLOT_LABEL));
        }
        switch (event.getChangeCase()) {
            case DETECTED -> event.getDetectedBuilder().setProduct(EventText.clean(event.getDetected().getProduct(), EventText.NAME));
            case FLASH_STARTED -> event.getFlashStartedBuilder()
                    .setLayoutName(EventText.clean(event.getFlashStarted().getLayoutName(), EventText.LAYOUT_NAME))
                    .setLogPath(EventText.clean(event.getFlashStarted().getLogPath(), EventText.PATH));
            case FLASH_PROGRESS -> event.getFlashProgressBuilder()
                    .setPartitionId(EventText.clean(event.getFlashProgress().getPartitionId(), EventText.NAME))
                    .setPartitionName(EventText.clean(event.getFlashProgress().getPartitionName(), EventText.NAME));
            case WAITING_FOR_MAC -> event.getWaitingForMacBuilder()
                    .setMessage(EventText.clean(event.getWaitingForMac().getMessage(), EventText.MESSAGE));
            case FAILED -> {
                BoardFailed.Builder failed = event.getFailedBuilder();
                List<String> tail = tail(failed.getProgrammerOutputTailList());
                failed.setMessage(EventText.clean(failed.getMessage(), EventText.MESSAGE)).clearProgrammerOutputTail()
                        .addAllProgrammerOutputTail(tail);
            }
            case INTERRUPTED -> {
                BoardInterrupted.Builder interrupted = event.getInterruptedBuilder();
                List<String> tail = tail(interrupted.getProgrammerOutputTailList());
                interrupted.clearProgrammerOutputTail().addAllProgrammerOutputTail(tail);
            }
            default -> {
                // The other changes carry no free text.
            }
        }
        return event;
    }

    private static List<String> tail(List<String> lines) {
        return EventText.cleanTail(lines, EventText.OUTPUT_TAIL_LINES, EventText.OUTPUT_LINE);
    }
}
