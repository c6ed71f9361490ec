package io.flashrig.agent.ui;

import io.flashrig.agent.label.LabelNotice;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import java.time.Instant;
import java.util.Comparator;

/**
 * One board as the table shows it, folded from its events.
 *
 * @param serial the board's serial
 * @param slot the slot label from the slot map, empty without one
 * @param port the USB port path it was detected at, empty when unknown
 * @param order its power-up order on this rig
 * @param state its latest job state (done or failed stays after it is unplugged)
 * @param progress flash progress in percent
 * @param mac the MAC it carries or was given, empty until known
 * @param since when it was detected
 * @param ended when its job ended (done, failed, interrupted), null while it runs
 * @param note the few words that go with the state: why it failed, what it waits for, its MAC when done
 * @param unplugged true once the board has left the hub
 * @param unpluggedAt when it left the hub, null while it is on it
 * @param label where its label is, e.g. "label printed"; empty without a label printer or before its MAC is verified
 * @param labelWaits true while its label waits for the printer (or was dropped): the operator should know
 */
record BoardRow(String serial, String slot, String port, int order, FlashJobState state, int progress, String mac,
        Instant since, Instant ended, String note, boolean unplugged, Instant unpluggedAt, String label, boolean labelWaits) {

    /** Stable slot order: by slot label (numbers as numbers) when the rig has a slot map, else by power-up order. */
    static final Comparator<BoardRow> SLOT_ORDER = Comparator.comparing(BoardRow::slotNumber)
            .thenComparing(BoardRow::slot).thenComparingInt(BoardRow::order);

    /** The board's first row, from its detection. */
    static BoardRow detected(BoardEvent e, Instant at) {
        return new BoardRow(e.getSerial(), e.getSlot().getLabel(), e.getSlot().getPortPath(), e.getSlot().getPowerUpOrder(),
                e.getState(), 0, "", at, null, "", false, null, "", false);
    }

    /** This row after {@code e}. */
    BoardRow after(BoardEvent e, Instant at) {
        int newProgress = e.hasFlashed() ? 100 : e.hasFlashProgress() ? e.getFlashProgress().getOverallPercent() : progress;
        String newMac = e.hasDone() ? e.getDone().getMac() : e.hasMacWritten() ? e.getMacWritten().getMac()
                : e.hasOtpRead() && !e.getOtpRead().getBlank() ? e.getOtpRead().getMac() : mac;
        String newNote = switch (e.getChangeCase()) {
            case FAILED -> e.getFailed().getMessage() + " [" + WireNames.shortName(e.getFailed().getReason()) + "]";
            case DONE -> newMac.isEmpty() ? "flash only" : "MAC " + newMac;
            case WAITING_FOR_MAC -> e.getWaitingForMac().getMessage();
            case INTERRUPTED -> "unplugged while " + WireNames.words(e.getInterrupted().getInterruptedInState());
            case FLASH_STARTED, MAC_WRITTEN, MAC_VERIFIED -> "";
            default -> note;
        };
        boolean gone = unplugged || e.hasRemoved() || e.hasInterrupted();
        // The row keeps the state the board left in: an unplugged board still says whether it was done or failed.
        FlashJobState newState = e.hasRemoved() ? state : e.getState();
        boolean over = e.hasDone() || e.hasFailed() || e.hasInterrupted();
        return new BoardRow(serial, slot, port, order, newState, newProgress, newMac, since, over && ended == null ? at : ended,
                newNote, gone, gone && unpluggedAt == null ? at : unpluggedAt, label, labelWaits);
    }

    /** This row with its label's latest state. */
    BoardRow withLabel(LabelNotice notice) {
        return new BoardRow(serial, slot, port, order, state, progress, mac, since, ended, note, unplugged, unpluggedAt,
                notice.state().words(), notice.state() != LabelNotice.State.PRINTED);
    }

    /** Ready to be unplugged: done and still on the hub. */
    boolean unplugNow() {
        return !unplugged && state == FlashJobState.FLASH_JOB_STATE_DONE;
    }

    boolean failed() {
        return state == FlashJobState.FLASH_JOB_STATE_FAILED;
    }

    /** Where the board sits, for the operator: its slot label, or its power-up order without a slot map. */
    String place() {
        return slot.isEmpty() ? "#" + order : slot;
    }

    /** A new board in the same slot or port replaces this unplugged one on the screen. */
    boolean sameSlotAs(BoardRow other) {
        return !slot.isEmpty() && slot.equals(other.slot) || !port.isEmpty() && port.equals(other.port);
    }

    private long slotNumber() {
        if (slot.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(slot);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
