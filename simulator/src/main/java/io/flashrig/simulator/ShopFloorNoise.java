package io.flashrig.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * What a programmer run prints on a bad day on the shop floor: a flaky USB link and a tool version that dumps its
 * transfer log with colours. Every line mixes readable words with the bytes that break naive consumers - NUL and other
 * C0 controls, DEL, 8-bit CSI, colour and cursor sequences, window titles, and bytes that are not UTF-8 - but never a
 * line break, so each line reaches the agent whole. The output is the same on every run, so tests can be repeated.
 */
final class ShopFloorNoise {

    /** About the size of one line of a transfer dump. */
    static final int LINE_BYTES = 5_000;
    /** About the size of the one error line that carries the whole dump with it. */
    static final int ERROR_LINE_BYTES = 20_000;

    private static final byte ESC = 0x1B;

    /** The pieces a line is made of, in turn; each is what some real terminal or device has been seen to send. */
    private static final List<byte[]> PIECES = List.of(
            utf8("\u001B[1;33m"), // bold yellow
            utf8("  USB bulk transfer"),
            new byte[] {0, 0, 0, 0}, // a device answering with zeros
            utf8("\u001B[0m"), // colours off
            utf8(" \u001B]0;STM32CubeProgrammer - DFU\u0007"), // window title (OSC ... BEL)
            new byte[] {1, 7, 8, 0x0B, 0x0C, 0x1A, 0x7F}, // SOH, BEL, BS, VT, FF, SUB, DEL
            utf8("\u001B[2K\u001B[1A\u001B[12;40H"), // erase line, cursor up, cursor to row 12 column 40
            new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE, (byte) 0x80, (byte) 0xE2, (byte) 0x82}, // not UTF-8
            utf8(" Übertragung µs °C "), // printable, not ASCII: worth keeping
            utf8("\u009B31m"), // 8-bit CSI
            new byte[] {ESC, '[', '3', '8', ';', '5', ';', '1', '9', '6', 'm'}, // 256-colour red
            utf8("\u001B]2;title without end"), // an OSC the device never finished
            new byte[] {0}); // a lone NUL

    private ShopFloorNoise() {
    }

    /**
     * Prints {@code lines} garbled lines of about {@link #LINE_BYTES}, then one {@code Error:} line of about
     * {@link #ERROR_LINE_BYTES}: the first error the tool reports, so it is the one a reader takes as the reason.
     */
    static void print(Console console, int lines, String partitionId) {
        for (int line = 0; line < lines; line++) {
            console.rawLine(line(String.format(Locale.ROOT, "  Data read at 0x%08X : ", line * LINE_BYTES),
                    LINE_BYTES, line));
        }
        console.rawLine(line("Error: data verification failed at partition " + partitionId + " : ",
                ERROR_LINE_BYTES, lines));
    }

    /** A line that starts with {@code text} and is filled with pieces, starting at a different one each time. */
    static byte[] line(String text, int bytes, int seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 64);
        out.writeBytes(utf8(text));
        for (int piece = seed; out.size() < bytes; piece++) {
            out.writeBytes(PIECES.get(Math.floorMod(piece, PIECES.size())));
            out.writeBytes(utf8(String.format(Locale.ROOT, " 0x%08X", piece * 2_654_435_761L & 0xFFFF_FFFFL)));
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
