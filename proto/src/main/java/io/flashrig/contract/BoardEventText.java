package io.flashrig.contract;

import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardEventOrBuilder;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Every free-text field of a board event with its {@link EventText} limit, walked in one place for both sides: the
 * agent cleans an event as it builds it, the server again on arrival (an older agent, a bug or a forged request must
 * not put a NUL byte, an escape sequence or an unbounded string into the database or onto a screen). Identities the
 * agent makes itself (event and attempt ids, MACs) are not free text.
 */
public final class BoardEventText {

    /** Whether the serial counts as free text. */
    public enum Serial {
        /** The agent's view: a board reporting a broken serial is refused under it, so it is text from the bus. */
        CLEAN,
        /** The server's view: a damaged serial must be refused, not quietly turned into another board's. */
        LEAVE
    }

    /** Sees each free-text field: its value, its limit, and how to set it on a builder. */
    private interface Fields {
        void text(String value, int max, BiConsumer<BoardEvent.Builder, String> set);

        void tail(List<String> lines, BiConsumer<BoardEvent.Builder, List<String>> set);
    }

    private BoardEventText() {
    }

    /** Cleans {@code event}'s free text in place; clean text stays as it is. */
    public static BoardEvent.Builder clean(BoardEvent.Builder event, Serial serial) {
        cleanInto(event, serial, () -> event);
        return event;
    }

    /** The event with its free text cleaned; the very same object when it was clean already, as nearly every one is. */
    public static BoardEvent clean(BoardEvent event, Serial serial) {
        BoardEvent.Builder[] copy = new BoardEvent.Builder[1];
        cleanInto(event, serial, () -> copy[0] != null ? copy[0] : (copy[0] = event.toBuilder()));
        return copy[0] == null ? event : copy[0].build();
    }

    /** Sets each field whose clean text differs on the builder {@code target} gives, asked for only then. */
    private static void cleanInto(BoardEventOrBuilder event, Serial serial, Supplier<BoardEvent.Builder> target) {
        walk(event, serial, new Fields() {
            @Override
            public void text(String value, int max, BiConsumer<BoardEvent.Builder, String> set) {
                String clean = EventText.clean(value, max);
                if (!clean.equals(value)) {
                    set.accept(target.get(), clean);
                }
            }

            @Override
            public void tail(List<String> lines, BiConsumer<BoardEvent.Builder, List<String>> set) {
                List<String> clean = EventText.cleanTail(lines, EventText.OUTPUT_TAIL_LINES, EventText.OUTPUT_LINE);
                if (!clean.equals(lines)) {
                    set.accept(target.get(), clean);
                }
            }
        });
    }

    private static void walk(BoardEventOrBuilder e, Serial serial, Fields f) {
        if (serial == Serial.CLEAN) {
            f.text(e.getSerial(), EventText.NAME, BoardEvent.Builder::setSerial);
        }
        if (e.hasSlot()) {
            f.text(e.getSlot().getPortPath(), EventText.PORT_PATH, (b, v) -> b.getSlotBuilder().setPortPath(v));
            f.text(e.getSlot().getLabel(), EventText.SLOT_LABEL, (b, v) -> b.getSlotBuilder().setLabel(v));
        }
        switch (e.getChangeCase()) {
            case DETECTED -> f.text(e.getDetected().getProduct(), EventText.NAME,
                    (b, v) -> b.getDetectedBuilder().setProduct(v));
            case FLASH_STARTED -> {
                f.text(e.getFlashStarted().getLayoutName(), EventText.LAYOUT_NAME,
                        (b, v) -> b.getFlashStartedBuilder().setLayoutName(v));
                f.text(e.getFlashStarted().getLayoutSha256(), EventText.NAME,
                        (b, v) -> b.getFlashStartedBuilder().setLayoutSha256(v));
                f.text(e.getFlashStarted().getLogPath(), EventText.PATH,
                        (b, v) -> b.getFlashStartedBuilder().setLogPath(v));
            }
            case FLASH_PROGRESS -> {
                f.text(e.getFlashProgress().getPartitionId(), EventText.NAME,
                        (b, v) -> b.getFlashProgressBuilder().setPartitionId(v));
                f.text(e.getFlashProgress().getPartitionName(), EventText.NAME,
                        (b, v) -> b.getFlashProgressBuilder().setPartitionName(v));
            }
            case WAITING_FOR_MAC -> f.text(e.getWaitingForMac().getMessage(), EventText.MESSAGE,
                    (b, v) -> b.getWaitingForMacBuilder().setMessage(v));
            case FAILED -> {
                f.text(e.getFailed().getMessage(), EventText.MESSAGE, (b, v) -> b.getFailedBuilder().setMessage(v));
                f.tail(e.getFailed().getProgrammerOutputTailList(),
                        (b, v) -> b.getFailedBuilder().clearProgrammerOutputTail().addAllProgrammerOutputTail(v));
            }
            case INTERRUPTED -> f.tail(e.getInterrupted().getProgrammerOutputTailList(),
                    (b, v) -> b.getInterruptedBuilder().clearProgrammerOutputTail().addAllProgrammerOutputTail(v));
            default -> {
                // The other changes carry no free text.
            }
        }
    }
}
