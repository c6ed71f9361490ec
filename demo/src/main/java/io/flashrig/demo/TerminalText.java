package io.flashrig.demo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The demo's own lines fitted to the terminal it runs in, so that an 80-column window reads without the terminal
 * breaking words: a line never reaches the last column (some terminals wrap there) and long lines wrap at spaces.
 */
final class TerminalText {

    /** The width assumed without a terminal (a pipe, a log file): the classic terminal's. */
    static final int DEFAULT_WIDTH = 80;

    private TerminalText() {
    }

    /** The usable line width of the terminal the demo runs in now, or of an 80-column one when there is none. */
    static int lineWidth() {
        return columns() - 1;
    }

    private static int columns() {
        if (System.console() == null) {
            return DEFAULT_WIDTH;
        }
        // Read afresh each time: the operator may have resized the window while the boards were flashing.
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            int width = terminal.getWidth();
            return width > 20 ? width : DEFAULT_WIDTH;
        } catch (IOException | RuntimeException e) {
            return DEFAULT_WIDTH;
        }
    }

    /** {@code text} broken at spaces into lines of at most {@code width}, later lines indented by {@code indent}. */
    static List<String> wrap(String text, int width, String indent) {
        String body = text.stripLeading();
        String lead = text.substring(0, text.length() - body.length());
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(lead);
        int start = lead.length();
        for (String word : body.split(" ", -1)) {
            if (line.length() > start && line.length() + 1 + word.length() > width) {
                lines.add(line.toString().stripTrailing());
                line.setLength(0);
                line.append(indent);
                start = indent.length();
            } else if (line.length() > start || word.isEmpty()) {
                line.append(' ');
            }
            // A word longer than a whole line (a URL, a path) is cut into pieces rather than left to the terminal.
            while (line.length() + word.length() > width && width > line.length()) {
                int room = width - line.length();
                lines.add(line + word.substring(0, room));
                word = word.substring(room);
                line.setLength(0);
                line.append(indent);
            }
            line.append(word);
        }
        lines.add(line.toString().stripTrailing());
        return lines;
    }

    /** A rule of {@code =} across {@code width} with {@code title} in its middle. */
    static String rule(String title, int width) {
        String middle = title.isEmpty() ? "" : " " + title + " ";
        int left = Math.max(0, (width - middle.length()) / 2);
        int right = Math.max(0, width - middle.length() - left);
        return "=".repeat(left) + middle + "=".repeat(right);
    }
}
