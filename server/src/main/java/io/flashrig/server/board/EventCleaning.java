package io.flashrig.server.board;

import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardInterrupted;
import java.util.List;

/**
 * The server's own cleaning of a board event's free text on arrival, whatever the agent did: an older agent, a bug or a
 * forged request must not put a NUL byte (which PostgreSQL refuses in text), an escape sequence or an unbounded string
 * into the database or onto the dashboard. Identities (event id, serial, attempt id, MACs) are not cleaned but
 * validated, so that a damaged serial is refused rather than quietly turned into another board's.
 */
final class EventCleaning {

    private EventCleaning() {
    }

    /** The event with every free-text field cleaned and clipped as {@link EventText} says; the same object if clean. */
    static BoardEvent clean(BoardEvent event) {
        if (isClean(event)) {
            return event;
        }
        BoardEvent.Builder b = event.toBuilder();
        if (event.hasSlot()) {
            b.getSlotBuilder().setPortPath(text(event.getSlot().getPortPath(), EventText.PORT_PATH))
                    .setLabel(text(event.getSlot().getLabel(), EventText.SLOT_LABEL));
        }
        switch (event.getChangeCase()) {
            case DETECTED -> b.getDetectedBuilder().setProduct(text(event.getDetected().getProduct(), EventText.NAME));
            case FLASH_STARTED -> b.getFlashStartedBuilder()
                    .setLayoutName(text(event.getFlashStarted().getLayoutName(), EventText.LAYOUT_NAME))
                    .setLayoutSha256(text(event.getFlashStarted().getLayoutSha256(), EventText.NAME))
                    .setLogPath(text(event.getFlashStarted().getLogPath(), EventText.PATH));
            case FLASH_PROGRESS -> b.getFlashProgressBuilder()
                    .setPartitionId(text(event.getFlashProgress().getPartitionId(), EventText.NAME))
                    .setPartitionName(text(event.getFlashProgress().getPartitionName(), EventText.NAME));
            case WAITING_FOR_MAC -> b.getWaitingForMacBuilder()
                    .setMessage(text(event.getWaitingForMac().getMessage(), EventText.MESSAGE));
            case FAILED -> {
                BoardFailed failed = event.getFailed();
                b.getFailedBuilder().setMessage(text(failed.getMessage(), EventText.MESSAGE))
                        .clearProgrammerOutputTail().addAllProgrammerOutputTail(tail(failed.getProgrammerOutputTailList()));
            }
            case INTERRUPTED -> {
                BoardInterrupted interrupted = event.getInterrupted();
                b.getInterruptedBuilder().clearProgrammerOutputTail()
                        .addAllProgrammerOutputTail(tail(interrupted.getProgrammerOutputTailList()));
            }
            default -> {
                // The other changes carry no free text.
            }
        }
        return b.build();
    }

    private static boolean isClean(BoardEvent event) {
        boolean slot = plain(event.getSlot().getPortPath(), EventText.PORT_PATH)
                && plain(event.getSlot().getLabel(), EventText.SLOT_LABEL);
        return slot && switch (event.getChangeCase()) {
            case DETECTED -> plain(event.getDetected().getProduct(), EventText.NAME);
            case FLASH_STARTED -> plain(event.getFlashStarted().getLayoutName(), EventText.LAYOUT_NAME)
                    && plain(event.getFlashStarted().getLayoutSha256(), EventText.NAME)
                    && plain(event.getFlashStarted().getLogPath(), EventText.PATH);
            case FLASH_PROGRESS -> plain(event.getFlashProgress().getPartitionId(), EventText.NAME)
                    && plain(event.getFlashProgress().getPartitionName(), EventText.NAME);
            case WAITING_FOR_MAC -> plain(event.getWaitingForMac().getMessage(), EventText.MESSAGE);
            case FAILED -> plain(event.getFailed().getMessage(), EventText.MESSAGE)
                    && plainTail(event.getFailed().getProgrammerOutputTailList());
            case INTERRUPTED -> plainTail(event.getInterrupted().getProgrammerOutputTailList());
            default -> true;
        };
    }

    private static boolean plain(String text, int max) {
        return text.length() <= max && EventText.isPlain(text);
    }

    private static boolean plainTail(List<String> lines) {
        return lines.size() <= EventText.OUTPUT_TAIL_LINES
                && lines.stream().allMatch(line -> plain(line, EventText.OUTPUT_LINE));
    }

    private static String text(String text, int max) {
        return EventText.clean(text, max);
    }

    private static List<String> tail(List<String> lines) {
        return EventText.cleanTail(lines, EventText.OUTPUT_TAIL_LINES, EventText.OUTPUT_LINE);
    }
}
