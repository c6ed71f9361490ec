package io.flashrig.agent.programmer;

import java.util.Optional;

/** What the agent asks STM32_Programmer_CLI about the bus and itself, apart from any board's job. */
public interface ProgrammerListing {

    /** Lists the boards in DFU mode ({@code -l usb}). */
    UsbListing list() throws ProgrammerException, InterruptedException;

    /** The tool's version from its banner, when it can be run. */
    Optional<String> version() throws InterruptedException;

    /** The programmer could not do what was asked, in one sentence. */
    final class ProgrammerException extends Exception {
        public ProgrammerException(String message) {
            super(message);
        }
    }
}
