package io.flashrig.agent.link;

import com.google.protobuf.CodedOutputStream;
import io.flashrig.agent.job.EventCleaner;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Keeps requests within the server's stated size. A request larger than the server's inbound limit is refused whole,
 * so events are packed by their serialized size, and an event that alone would not fit is shortened: its programmer
 * output tail loses its oldest lines (a first line says so), then its message is clipped. Events are cleaned when they
 * are made and are far below the default limit then; this is for a server that states a small limit, and for events
 * queued by an agent that did not clean them yet.
 */
final class EventFit {

    private static final Logger LOG = Logger.getLogger(EventFit.class);

    private EventFit() {
    }

    /** Bytes an event takes in a request: its own and its field's tag and length. */
    static int sizeInRequest(BoardEvent event) {
        return CodedOutputStream.computeMessageSize(2, event);
    }

    /**
     * The longest prefix of {@code events} whose size in a request stays within {@code budget}, each event shortened to
     * fit if need be; never empty when {@code events} is not.
     */
    static List<BoardEvent> batch(List<BoardEvent> events, int budget) {
        List<BoardEvent> batch = new ArrayList<>();
        int used = 0;
        for (BoardEvent event : events) {
            if (!batch.isEmpty() && used + sizeInRequest(event) > budget) {
                break;
            }
            // Only an event that opens a request can be too large for it.
            BoardEvent fitted = batch.isEmpty() ? fit(event, budget) : event;
            batch.add(fitted);
            used += sizeInRequest(fitted);
        }
        return batch;
    }

    /**
     * {@code event}, shortened until its size in a request is within {@code budget}; unchanged when it fits. When even
     * the shortest form does not fit (a limit of a few bytes) it is returned as short as it gets, and the server's
     * refusal then isolates it.
     */
    static BoardEvent fit(BoardEvent event, int budget) {
        if (sizeInRequest(event) <= budget) {
            return event;
        }
        BoardEvent.Builder shorter = EventCleaner.clean(event.toBuilder());
        List<String> tail = tail(shorter);
        for (int keep = tail.size(); keep > 0 && sizeInRequest(shorter.build()) > budget; keep--) {
            setTail(shorter, tail.subList(tail.size() - keep + 1, tail.size()), tail.size() - keep + 1);
        }
        String message = message(shorter);
        while (sizeInRequest(shorter.build()) > budget && message.length() > EventText.CLIPPED.length()) {
            message = EventText.clean(message, Math.max(EventText.CLIPPED.length(), message.length() / 2));
            setMessage(shorter, message);
        }
        BoardEvent fitted = shorter.build();
        LOG.warnf("board event %d (%s of board %s) takes %d bytes, more than the server accepts in one request (%d): sent shortened"
                + " to %d bytes; the attempt's log keeps the whole output", event.getSequence(), event.getChangeCase(), fitted.getSerial(),
                sizeInRequest(event), budget, sizeInRequest(fitted));
        return fitted;
    }

    private static List<String> tail(BoardEvent.Builder event) {
        return switch (event.getChangeCase()) {
            case FAILED -> List.copyOf(event.getFailed().getProgrammerOutputTailList());
            case INTERRUPTED -> List.copyOf(event.getInterrupted().getProgrammerOutputTailList());
            default -> List.of();
        };
    }

    /** Sets the tail to {@code kept}, after a first line saying how many earlier lines were left out. */
    private static void setTail(BoardEvent.Builder event, List<String> kept, int leftOut) {
        List<String> lines = new ArrayList<>(kept.size() + 1);
        lines.add(EventText.CLIPPED + " (" + leftOut + " earlier lines left out to fit the server's request limit)");
        lines.addAll(kept);
        switch (event.getChangeCase()) {
            case FAILED -> event.getFailedBuilder().clearProgrammerOutputTail().addAllProgrammerOutputTail(lines);
            case INTERRUPTED -> event.getInterruptedBuilder().clearProgrammerOutputTail().addAllProgrammerOutputTail(lines);
            default -> throw new IllegalStateException("a " + event.getChangeCase() + " event has no output tail");
        }
    }

    private static String message(BoardEvent.Builder event) {
        return switch (event.getChangeCase()) {
            case FAILED -> event.getFailed().getMessage();
            case WAITING_FOR_MAC -> event.getWaitingForMac().getMessage();
            default -> "";
        };
    }

    private static void setMessage(BoardEvent.Builder event, String message) {
        switch (event.getChangeCase()) {
            case FAILED -> event.getFailedBuilder().setMessage(message);
            case WAITING_FOR_MAC -> event.getWaitingForMacBuilder().setMessage(message);
            default -> throw new IllegalStateException("a " + event.getChangeCase() + " event has no message");
        }
    }
}
