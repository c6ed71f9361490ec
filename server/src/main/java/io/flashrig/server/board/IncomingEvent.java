package io.flashrig.server.board;

import com.google.protobuf.Timestamp;
import io.flashrig.contract.BoardEventText;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.EventText;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.Quoted;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardEvent.ChangeCase;
import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.StreamBoardEventsRequest;
import io.flashrig.server.api.Uuids;
import io.flashrig.server.error.DomainException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * One event of a rig's request as it arrived: its free text cleaned, its id (made up for a malformed one), and either
 * why it cannot be applied or its parsed fields. Deciding this needs no database.
 */
record IncomingEvent(BoardEvent event, UUID eventId, String malformation, Parsed parsed) {

    /** Most characters kept of an id that is not one (a malformed event's serial, attempt or event id). */
    static final int MAX_ID = 100;
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    /**
     * A well-formed event, ready to be applied once stored: {@code at} is when it counts as having happened, its rig's
     * stamp unless that lay too far ahead of the server's clock; {@code state} is the short name of its job state.
     */
    record Parsed(BoardEvent event, UUID eventId, BoardSerial serial, UUID attemptId, Instant at, Instant stamped,
            String state) {

        boolean rigClockAhead() {
            return stamped.isAfter(at);
        }
    }

    /**
     * @param now      when the server received it
     * @param maxAhead how far past {@code now} a rig's clock may stamp an event and still be believed
     */
    static IncomingEvent of(EventSource source, BoardEvent received, Instant now, Duration maxAhead) {
        // Cleaned again whatever the agent did; identities, the serial among them, are validated instead.
        BoardEvent event = BoardEventText.clean(received, BoardEventText.Serial.LEAVE);
        String problem = malformation(event);
        if (problem != null) {
            return new IncomingEvent(event, UUID.nameUUIDFromBytes((source.rigId() + "/" + source.queueId() + "/"
                    + event.getSequence()).getBytes(StandardCharsets.UTF_8)), problem, null);
        }
        UUID eventId = UUID.fromString(event.getEventId());
        Instant stamped = instant(event.getOccurredAt());
        // A stamp from the future is a rig clock running fast: believed, it would rank this event above later
        // real ones (a board's failed re-flash hidden behind an earlier DONE). It counts as received instead.
        Instant at = stamped.isAfter(now.plus(maxAhead)) ? now : stamped;
        return new IncomingEvent(event, eventId, null, new Parsed(event, eventId, BoardSerial.parse(event.getSerial()),
                UUID.fromString(event.getAttemptId()), at, stamped, WireNames.shortName(event.getState())));
    }

    /** The same event, refused for {@code problem} (found only when the database would not store it). */
    IncomingEvent refusedFor(String problem) {
        return new IncomingEvent(event, eventId, problem, parsed);
    }

    long sequence() {
        return event.getSequence();
    }

    /** The event's id as the rig sent it, clipped, for the list of rejected events. */
    static String sentId(BoardEvent event) {
        return EventText.clean(event.getEventId(), MAX_ID);
    }

    /**
     * Refuses a whole request that is too long or whose sequences do not ascend: such a request is a broken agent,
     * not one bad event.
     */
    static void requireOrder(StreamBoardEventsRequest request, int maxEvents) {
        if (request.getEventsCount() > maxEvents) {
            throw invalidRequest("A request may carry at most " + maxEvents + " events, not "
                    + request.getEventsCount() + ".");
        }
        long previous = 0;
        for (BoardEvent event : request.getEventsList()) {
            if (event.getSequence() <= previous) {
                throw invalidRequest("Event sequences must start at 1 and ascend within a request; "
                        + event.getSequence() + " follows " + previous + ".");
            }
            previous = event.getSequence();
        }
    }

    /** Why a single event cannot be applied, or null when it is well-formed. */
    private static String malformation(BoardEvent event) {
        if (!Uuids.parse(event.getEventId()).isPresent()) {
            return "event_id must be a UUID, not '" + Quoted.of(event.getEventId()) + "'.";
        }
        if (!Uuids.parse(event.getAttemptId()).isPresent()) {
            return "attempt_id must be a UUID, not '" + Quoted.of(event.getAttemptId()) + "'.";
        }
        if (!event.hasOccurredAt() || !validTimestamp(event.getOccurredAt())) {
            return "occurred_at is missing or not a valid time.";
        }
        if (event.getState() == FlashJobState.FLASH_JOB_STATE_UNSPECIFIED
                || event.getState() == FlashJobState.UNRECOGNIZED) {
            return "state must be set to a known FlashJobState.";
        }
        if (event.getChangeCase() == ChangeCase.CHANGE_NOT_SET) {
            return "The event says nothing changed: one of its change fields must be set.";
        }
        try {
            BoardSerial.parse(event.getSerial());
            String mac = macOf(event);
            if (mac != null && !mac.isEmpty()) {
                MacAddress.parse(mac);
            }
        } catch (InvalidValueException e) {
            return e.getMessage();
        }
        return null;
    }

    private static String macOf(BoardEvent event) {
        return switch (event.getChangeCase()) {
            case OTP_READ -> event.getOtpRead().getMac();
            case MAC_WRITTEN -> event.getMacWritten().getMac();
            case MAC_VERIFIED -> event.getMacVerified().getMac().isEmpty() ? "-" : event.getMacVerified().getMac();
            case DONE -> event.getDone().getMac();
            case REMOVED -> event.getRemoved().getMac();
            default -> null;
        };
    }

    private static DomainException invalidRequest(String message) {
        return new DomainException(DomainException.Kind.INVALID, ErrorReason.ERROR_REASON_INVALID_REQUEST, message,
                Map.of("field", "events"));
    }

    private static boolean validTimestamp(Timestamp t) {
        return t.getSeconds() >= MIN_SECONDS && t.getSeconds() <= MAX_SECONDS && t.getNanos() >= 0
                && t.getNanos() < 1_000_000_000;
    }

    /**
     * In the database's precision (microseconds), so that events the database would see as simultaneous are compared
     * as such here too.
     */
    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).plusNanos(500).truncatedTo(ChronoUnit.MICROS);
    }
}
