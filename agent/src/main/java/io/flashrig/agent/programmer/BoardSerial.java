package io.flashrig.agent.programmer;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A board's serial number: the 24 hex characters of the chip's unique id, the same in every boot stage. Kept in
 * upper case, as the programmer prints it. All-zero serials (some ROMs report them) are refused because such boards
 * cannot be told apart.
 *
 * @param value 24 upper-case hex characters
 */
public record BoardSerial(String value) {

    private static final Pattern SERIAL = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern ZEROS = Pattern.compile("0+");

    public BoardSerial {
        if (value == null || !SERIAL.matcher(value).matches()) {
            throw new IllegalArgumentException("serial '" + value + "' is not 24 hexadecimal characters");
        }
        if (ZEROS.matcher(value).matches()) {
            throw new IllegalArgumentException("serial " + value + " is all zeros and cannot identify a board");
        }
    }

    /** Parses a serial as USB or the programmer report it; surrounding blanks only are removed, never characters. */
    public static BoardSerial parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no serial given");
        }
        String trimmed = text.strip();
        if (!trimmed.isEmpty() && ZEROS.matcher(trimmed).matches()) {
            throw new IllegalArgumentException("serial " + trimmed + " is all zeros and cannot identify a board");
        }
        return new BoardSerial(trimmed.toUpperCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return value;
    }
}
