package io.flashrig.agent.programmer;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a job does to one board with STM32_Programmer_CLI: flash it, read and write its OTP. Behind an interface so that
 * the job machinery can be run against the real tool, the simulator, an in-memory fake, or a wrapper that stops at a
 * chosen point (a crash test). Listing the bus is {@link ProgrammerListing}'s, apart, so a fake implements only what it
 * fakes.
 */
public interface Programmer {

    /** The line a successful {@code -w} ends with. */
    String FLASH_SUCCESS_LINE = "Flashing service completed successfully";
    /** The line a successful {@code -otp write} prints. */
    String OTP_WRITE_SUCCESS_LINE = "OTP words programming done successfully";

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
}
