package io.flashrig.agent.ui;

import io.flashrig.agent.job.FlashJob;
import io.flashrig.agent.label.LabelNotice;
import io.flashrig.agent.programmer.Durations;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import java.time.Duration;
import java.util.Optional;

/** The operator's sentences for board events, shared by the plain lines and the table's message area. */
final class Messages {

    private Messages() {
    }

    /** The sentence for an event; empty for events that only move a progress bar. */
    static Optional<String> of(BoardEvent e) {
        String board = board(e);
        return Optional.ofNullable(switch (e.getChangeCase()) {
            case DETECTED -> board + " detected" + (e.getSlot().getPortPath().isEmpty() ? "" : " at port " + e.getSlot().getPortPath());
            case FLASH_STARTED -> board + ": started flashing " + e.getFlashStarted().getLayoutName();
            case FLASH_PROGRESS -> null;
            case FLASHED -> board + " is flashed (" + Durations.format(duration(e.getFlashed().getFlashDuration())) + ")";
            case OTP_READ -> e.getOtpRead().getBlank() ? null : board + " already carries MAC " + e.getOtpRead().getMac() + " in OTP";
            case WAITING_FOR_MAC -> board + " is waiting for its MAC: " + e.getWaitingForMac().getMessage();
            case MAC_WRITTEN -> board + ": MAC " + e.getMacWritten().getMac() + " written to OTP";
            case MAC_VERIFIED -> null;
            case DONE -> e.getDone().getMac().isEmpty()
                    ? board + " is done (flash only); it can now be unplugged"
                    : board + " is done, MAC " + e.getDone().getMac() + "; it can now be unplugged";
            case FAILED -> board + " FAILED while " + FlashJob.name(e.getFailed().getFailedInState()) + ": " + e.getFailed().getMessage()
                    + " [" + WireNames.shortName(e.getFailed().getReason()) + "]";
            case INTERRUPTED -> board + " was unplugged before completing (while " + FlashJob.name(e.getInterrupted().getInterruptedInState())
                    + "); check it and plug it in again";
            case REMOVED -> board + " was unplugged after it " + (e.getRemoved().getFinalState() == FlashJobState.FLASH_JOB_STATE_DONE ? "was done" : "failed")
                    + (e.getRemoved().getMac().isEmpty() ? "" : ", MAC " + e.getRemoved().getMac());
            case CHANGE_NOT_SET -> null;
        });
    }

    /** The sentence for a board's label, e.g. "Board 003C… : label printed (MAC 04:D9:21:00:10:00)". */
    static String label(LabelNotice n) {
        return "Board " + n.serial() + ": " + n.state().words() + " (MAC " + n.mac() + (n.detail().isEmpty() ? "" : "; " + n.detail()) + ")";
    }

    static String board(BoardEvent e) {
        String label = e.getSlot().getLabel().isEmpty() ? "" : ", slot " + e.getSlot().getLabel();
        return "Board " + e.getSerial() + " (order " + e.getSlot().getPowerUpOrder() + label + ")";
    }

    static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
