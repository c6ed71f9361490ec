package io.flashrig.simulator;

/**
 * How a simulated board behaves when it is flashed, one per failure mode the agent must tell apart.
 */
public enum Behaviour {
    /** Every partition downloads and starts; the run ends with the success line and exit status 0. */
    NORMAL,
    /**
     * Like {@link #NORMAL}, but after the first partition the board leaves the bus for its re-enumeration time and
     * comes back as U-Boot's gadget, as a real board does between ROM and U-Boot.
     */
    REENUMERATE,
    /** The first partition downloads, then fails to start: {@code Error: Start operation failed ...}, exit status 1. */
    FAIL,
    /** Every partition downloads, then {@code Error: TSV flashing service failed} and yet exit status 0. */
    EXIT_ZERO_WITH_ERROR,
    /**
     * The first partition downloads, then the run prints what a troubled shop floor gives: raw NUL and other control
     * bytes, colour, cursor moves and window titles, bytes that are not UTF-8, {@link SimulatedBoard#noiseLines()} lines
     * of about 5 KB and one {@code Error:} line of about 20 KB, then {@code Error: Start operation failed ...}, exit
     * status 1. Megabytes in all: a board that poisons every event and queue that carries its words unchecked.
     */
    NOISY_FAIL,
    /** A few progress redraws into the first partition, then the programmer blocks until it is killed. */
    HANG
}
