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
    /** A few progress redraws into the first partition, then the programmer blocks until it is killed. */
    HANG
}
