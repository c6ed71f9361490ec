package io.flashrig.agent.programmer;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The operations the agent needs from STM32_Programmer_CLI. Behind an interface so that the job machinery can be run
 * against the real tool, the simulator, or a wrapper that stops at a chosen point (a crash test).
 */
public interface Programmer {

    /** The line a successful {@code -w} ends with. */
    String FLASH_SUCCESS_LINE = "Flashing service completed successfully";
    /** The line a successful {@code -otp write} prints. */
    String OTP_WRITE_SUCCESS_LINE = "OTP words programming done successfully";

    /** Lists the boards in DFU mode ({@code -l usb}). */
    UsbListing list() throws ProgrammerException, InterruptedException;

    /** The tool's version from its banner, when it can be run. */
    Optional<String> version() throws InterruptedException;

    /** Writes the layout to the board ({@code -c port=usb sn=… -w layout}); each output line goes to {@code lines}. */
    ProgrammerRun flash(BoardSerial serial, FlashLayout layout, Path log, Consumer<String> lines) throws InterruptedException;

    /** Reads OTP words 57 and 58 ({@code -otp displ word=57 word=58}). */
    OtpRead readOtp(BoardSerial serial, Path log) throws InterruptedException;

    /** Writes the MAC to OTP words 57 and 58 ({@code -y -otp write …}). Called at most once per board, ever. */
    ProgrammerRun writeOtp(BoardSerial serial, MacAddress mac, Path log) throws InterruptedException;

    /**
     * An OTP read: the run, and the words when the run succeeded and showed both.
     *
     * @param run the programmer run
     * @param reading the words 57 and 58; empty when the read failed
     */
    record OtpRead(ProgrammerRun run, Optional<OtpReading> reading) {
    }

    /** The programmer could not do what was asked, in one sentence. */
    final class ProgrammerException extends Exception {
        public ProgrammerException(String message) {
            super(message);
        }
    }
}
