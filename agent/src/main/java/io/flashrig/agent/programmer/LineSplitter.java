package io.flashrig.agent.programmer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits the programmer's output into lines on {@code \n} and on {@code \r}: the tool redraws its progress bar with bare
 * carriage returns, and each redraw must be seen as it happens. Empty lines carry nothing and are skipped.
 */
public final class LineSplitter {

    /** A line longer than this is cut: the programmer never prints one, and a runaway stream must not fill memory. */
    static final int MAX_LINE = 4096;

    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
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
            }
        }
    }

    /** Emits what is left after the stream ended without a final line break. */
    public void finish() {
        emit();
    }

    private void emit() {
        if (current.size() > 0) {
            String line = current.toString(StandardCharsets.UTF_8);
            current.reset();
            if (!line.isBlank()) {
                lines.accept(line);
            }
        }
    }
}
