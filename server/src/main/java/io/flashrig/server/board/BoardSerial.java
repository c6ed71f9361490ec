package io.flashrig.server.board;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.api.Quoted;
import io.flashrig.server.error.DomainException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** A board's serial: the 24 hex characters of the chip's unique id, upper-cased. Never all zeros. */
public record BoardSerial(String value) {

    private static final Pattern HEX24 = Pattern.compile("\\p{XDigit}{24}");
    private static final Pattern ZEROS = Pattern.compile("0{24}");

    public BoardSerial {
        if (value == null || value.isEmpty()) {
            throw invalid("", "A board serial is required: the 24 hex characters of the chip's unique id.");
        }
        if (!HEX24.matcher(value).matches()) {
            String shown = Quoted.of(value);
            throw invalid(shown, "'" + shown + "' is not a board serial: a serial is exactly 24 hexadecimal characters"
                    + " (the chip's unique id), e.g. 003C00473430511536383630.");
        }
        if (ZEROS.matcher(value).matches()) {
            throw invalid(value, "The serial 000000000000000000000000 cannot tell one board from another.");
        }
        value = value.toUpperCase(Locale.ROOT);
    }

    public static BoardSerial parse(String text) {
        return new BoardSerial(text);
    }

    @Override
    public String toString() {
        return value;
    }

    private static DomainException invalid(String serial, String message) {
        return new DomainException(DomainException.Kind.INVALID, ErrorReason.ERROR_REASON_INVALID_SERIAL, message,
                Map.of("serial", serial));
    }
}
