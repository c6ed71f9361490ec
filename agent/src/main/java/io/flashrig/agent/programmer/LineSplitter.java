package io.flashrig.agent.programmer;

import io.flashrig.contract.EventText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits the programmer's output into lines on {@code \n} and on {@code \r}: the tool redraws its progress bar with bare
 * carriage returns, and each redraw must be seen as it happens. Empty lines carry nothing and are skipped.
 *
 * <p>Lines are handed on cleaned ({@link EventText}): the tool and a glitching USB link can print NUL bytes and escape
 * sequences, which must neither hide an {@code Error:} line from the verdict nor travel on into events and the
 * operator's screen. The log copy keeps every raw byte.
 */
public final class LineSplitter {

    /**
     * A line longer than this is cut, ending in {@link EventText#CLIPPED}: the programmer never prints one, and a runaway
     * line of megabytes must not fill memory (only its start is kept; the log has the rest).
     */
    static final int MAX_LINE = 4096;

    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private boolean cut;
    private final Consumer<String> lines;

    public LineSplitter(Consumer<String> lines) {
        this.lines = lines;
    }

    /** Reads {@code in} to its end, copying every byte to {@code copy} (the attempt's log) and emitting lines. */
    public void pump(InputStream in, OutputStream copy) throws IOException {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            copy.write(buffer, 0, n);
            // Flushed per read so that the log shows a hung programmer's last words.
            copy.flush();
            accept(buffer, 0, n);
        }
        finish();
    }

    /** Feeds bytes; complete lines are emitted at once. */
    public void accept(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n' || b == '\r') {
                emit();
            } else if (current.size() < MAX_LINE) {
                current.write(b);
            } else {
                cut = true;
            }
        }
    }

    /** Emits what is left after the stream ended without a final line break. */
    public void finish() {
        emit();
    }

    private void emit() {
        if (current.size() > 0) {
            String line = EventText.clean(current.toString(StandardCharsets.UTF_8), MAX_LINE) + (cut ? EventText.CLIPPED : "");
            current.reset();
            cut = false;
            if (!line.isBlank()) {
                lines.accept(line);
            }
        }
    }
}
