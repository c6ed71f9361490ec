package io.flashrig.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Free text that crosses from the shop floor into a board event: the programmer's words, paths, names. Both sides clean
 * it the same way, the agent at the source and the server again on arrival, so that neither a database nor a screen
 * ever sees a NUL byte, a terminal escape sequence or an unbounded string. The raw bytes stay in the attempt's log file
 * on the rig.
 *
 * <p>Cleaning keeps every printable character (any script, any symbol), drops terminal escape sequences whole, turns
 * tabs and other control characters into a space or nothing, and clips a field that is longer than its limit to the
 * limit, ending it with {@link #CLIPPED}. Clean text cleans to itself.
 */
public final class EventText {

    /** Ends a field that was clipped to its limit. */
    public static final String CLIPPED = "…";

    /** Most characters kept of a message for people (a failure's or a wait's reason). */
    public static final int MESSAGE = 1_000;
    /** Most characters kept of one line of the programmer's output. */
    public static final int OUTPUT_LINE = 500;
    /** Most lines kept of the programmer's output tail: the last ones. */
    public static final int OUTPUT_TAIL_LINES = 20;
    /** Most characters kept of a layout's file name. */
    public static final int LAYOUT_NAME = 255;
    /** Most characters kept of a USB port path. */
    public static final int PORT_PATH = 64;
    /** Most characters kept of a slot's label from the rig's slot map. */
    public static final int SLOT_LABEL = 64;
    /** Most characters kept of a path on the rig computer (the attempt's log file). */
    public static final int PATH = 1_024;
    /** Most characters kept of a short name: a USB product string, a partition's id or name, a version, a host. */
    public static final int NAME = 255;

    /**
     * Terminal escape sequences: CSI ({@code ESC [ … final}), OSC/DCS/SOS/PM/APC strings up to BEL or ST, and two- or
     * three-character escapes; also their 8-bit forms (C1 CSI and OSC).
     */
    private static final Pattern ESCAPES = Pattern.compile(
            "(?:\u001B\\[|\u009B)[0-?]*[ -/]*[@-~]?"
                    + "|(?:\u001B[\\]PX^_]|[\u009D\u0090\u0098\u009E\u009F])[^\u0007\u001B\u009C]*(?:\u0007|\u001B\\\\|\u009C)?"
                    + "|\u001B[ -/]*[0-~]?");

    private EventText() {
    }

    /** The text cleaned and clipped to {@code maxChars} characters; null stays null. */
    public static String clean(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        if (maxChars < CLIPPED.length()) {
            throw new IllegalArgumentException("a limit below " + CLIPPED.length() + " characters cannot say it clipped");
        }
        String printable = isPlain(text) ? text : printable(text);
        return clip(printable, maxChars);
    }

    /**
     * The last {@code maxLines} lines, each cleaned and clipped to {@code maxChars}; when lines were dropped, the first
     * kept line says how many.
     */
    public static List<String> cleanTail(List<String> lines, int maxLines, int maxChars) {
        int dropped = Math.max(0, lines.size() - maxLines);
        List<String> kept = new ArrayList<>(Math.min(lines.size(), maxLines));
        for (String line : lines.subList(dropped, lines.size())) {
            kept.add(clean(line, maxChars));
        }
        if (dropped > 0 && !kept.isEmpty()) {
            kept.set(0, clip(CLIPPED + " (" + dropped + " earlier lines left out) " + kept.get(0), maxChars));
        }
        return kept;
    }

    /** True when the text is already clean, whatever its length. */
    public static boolean isPlain(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029'
                    || c == '\uFFFE' || c == '\uFFFF') {
                return false;
            }
        }
        return true;
    }

    private static String printable(String text) {
        String noEscapes = ESCAPES.matcher(text).replaceAll("");
        StringBuilder out = new StringBuilder(noEscapes.length());
        for (int i = 0; i < noEscapes.length(); i++) {
            char c = noEscapes.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < noEscapes.length()
                    && Character.isLowSurrogate(noEscapes.charAt(i + 1))) {
                out.append(c).append(noEscapes.charAt(++i));
            } else if (Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF') {
                // Half a character (from bytes that were not UTF-8) or a non-character: shown as not understood.
                out.append('\uFFFD');
            } else if (c == '\t' || c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029') {
                // Line structure belongs to the log file; in one field it is a space.
                out.append(' ');
            } else if (!Character.isISOControl(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String clip(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = maxChars - CLIPPED.length();
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + CLIPPED;
    }
}
