package io.flashrig.simulator;

import java.io.PrintStream;

/**
 * The programmer's standard output. Everything is flushed at once because the agent parses the output live, line by
 * line and redraw by redraw, while the programmer runs.
 */
final class Console {

    private static final String DASHES = "      -------------------------------------------------------------------";

    private final PrintStream out;
    /** A progress bar was drawn and the cursor still stands at its end. */
    private boolean inRedraw;

    Console(PrintStream out) {
        this.out = out;
    }

    /** The banner every run of the real tool starts with. */
    void banner() {
        line(DASHES);
        line("                        STM32CubeProgrammer v" + ProgrammerSimulator.VERSION);
        line(DASHES);
        line("");
    }

    /** One line, starting on a new line if a progress bar was being redrawn. */
    void line(String text) {
        leaveRedraw();
        out.print(text);
        out.print('\n');
        out.flush();
    }

    /**
     * One line of raw bytes, which need not be UTF-8 nor printable: the real tool passes on whatever the board or the
     * USB stack hands it.
     */
    void rawLine(byte[] bytes) {
        leaveRedraw();
        out.write(bytes, 0, bytes.length);
        out.print('\n');
        out.flush();
    }

    /** Draws {@code text} over the current line, as the real progress bar does with a carriage return. */
    void redraw(String text) {
        out.print('\r');
        out.print(text);
        out.flush();
        inRedraw = true;
    }

    private void leaveRedraw() {
        if (inRedraw) {
            out.print('\n');
            inRedraw = false;
        }
    }
}
