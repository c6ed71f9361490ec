package io.flashrig.simulator;

import java.util.List;

/**
 * A failure the real programmer would report: the lines it prints (each {@code Error:} or {@code Warning:} as the real
 * tool words it) before it exits with status 1.
 */
final class ToolError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> lines;

    ToolError(String... lines) {
        super(String.join(System.lineSeparator(), lines));
        this.lines = List.of(lines);
    }

    /** The board left the bus while the programmer was talking to it and did not come back. */
    static ToolError connectionLost() {
        return new ToolError("Warning: Connection to device 0x500 is lost",
                "Error: an error occured while uploading data from the virtual partition 0xF1");
    }

    List<String> lines() {
        return lines;
    }
}
