package io.flashrig.contract;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A board's serial: the 24 hex characters of the chip's unique id, the same in every boot stage, kept upper-cased as
 * the programmer prints it. Never all zeros: some ROMs report that, and such boards cannot be told apart.
 */
public record BoardSerial(String value) {

    private static final Pattern HEX24 = Pattern.compile("\\p{XDigit}{24}");
    private static final Pattern ZEROS = Pattern.compile("0+");

    public BoardSerial {
        if (value == null || value.isEmpty()) {
            throw invalid("", "A board serial is required: the 24 hex characters of the chip's unique id.");
        }
        if (ZEROS.matcher(value).matches()) {
            throw invalid(value, "The serial " + value + " is all zeros and cannot tell one board from another.");
        }
        if (!HEX24.matcher(value).matches()) {
            String shown = Quoted.of(value);
            throw invalid(shown, "'" + shown + "' is not a board serial: a serial is exactly 24 hexadecimal characters"
                    + " (the chip's unique id), e.g. 003C00473430511536383630.");
        }
        value = value.toUpperCase(Locale.ROOT);
    }

    /** A serial as the contract carries it: exactly the 24 characters, in either case. */
    public static BoardSerial parse(String text) {
        return new BoardSerial(text);
    }

    /**
     * A serial as USB or the programmer's listing reports it: surrounding blanks are removed, never characters (the
     * original tool stripped characters off serials and merged boards).
     */
    public static BoardSerial fromUsb(String text) {
        return new BoardSerial(text == null ? null : text.strip());
    }

    @Override
    public String toString() {
        return value;
    }

    private static InvalidValueException invalid(String serial, String message) {
        return new InvalidValueException("serial", Quoted.of(serial), message);
    }
}
