package io.flashrig.agent.programmer;

import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** {@link Programmer} by running STM32_Programmer_CLI (or anything speaking its syntax, like the simulator). */
public final class CliProgrammer implements Programmer, ProgrammerListing {

    /** The listing and the version query are quick; a tool that takes longer is stuck. */
    private static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);

    private final Path executable;
    private final ProgrammerProcess process;
    private final Duration flashTimeout;
    private final Duration otpTimeout;
    private final Path listingLog;

    /**
     * @param listingLog where the output of the latest listing is kept (overwritten each time: the watcher lists often)
     */
    public CliProgrammer(Path executable, ProgrammerProcess process, Duration flashTimeout, Duration otpTimeout, Path listingLog) {
        this.executable = executable;
        this.process = process;
        this.flashTimeout = flashTimeout;
        this.otpTimeout = otpTimeout;
        this.listingLog = listingLog;
    }

    public Path executable() {
        return executable;
    }

    @Override
    public UsbListing list() throws ProgrammerException, InterruptedException {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        ProgrammerRun run = runListing(lines);
        // A listing has no success line; ST-LINK sections may add Error lines that do not concern boards.
        if (run.startFailure().isPresent() || run.timedOut() || !run.outputReadToEnd()) {
            throw new ProgrammerException(run.failureMessage());
        }
        UsbListing listing = UsbListing.parse(lines);
        if (run.exitCode() != 0 && listing.boards().isEmpty() && lines.stream().noneMatch(l -> l.contains("No STM32 device"))) {
            throw new ProgrammerException("listing boards failed: " + run.failureMessage());
        }
        return listing;
    }

    @Override
    public Optional<String> version() throws InterruptedException {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        ProgrammerRun run = runListing(lines);
        return run.startFailure().isPresent() || !run.outputReadToEnd() ? Optional.empty() : UsbListing.bannerVersion(lines);
    }

    private ProgrammerRun runListing(List<String> lines) throws InterruptedException {
        try {
            Files.deleteIfExists(listingLog);
        } catch (IOException e) {
            // An old listing log left behind only costs disk space.
        }
        return process.run(List.of(executable.toString(), "-l", "usb"), LIST_TIMEOUT, "DFU", listingLog, lines::add);
    }

    @Override
    public ProgrammerRun flash(BoardSerial serial, FlashLayout layout, Path log, Consumer<String> lines) throws InterruptedException {
        List<String> command = connect(serial);
        command.addAll(List.of("-w", layout.file().toString()));
        return process.run(command, flashTimeout, FLASH_SUCCESS_LINE, log, lines);
    }

    @Override
    public OtpRead readOtp(BoardSerial serial, Path log) throws InterruptedException {
        List<String> command = connect(serial);
        command.addAll(List.of("-otp", "displ", "word=57", "word=58"));
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        ProgrammerRun run = process.run(command, otpTimeout, OtpReading.SUCCESS_LINE, log, lines::add);
        return new OtpRead(run, run.succeeded() ? OtpReading.parse(lines) : Optional.empty());
    }

    @Override
    public ProgrammerRun writeOtp(BoardSerial serial, MacAddress mac, Path log) throws InterruptedException {
        List<String> command = connect(serial);
        // -y: without it the tool asks for confirmation on standard input and waits.
        command.addAll(List.of("-y", "-otp", "write",
                "word=57", String.format("value=0x%08x", mac.otpWord57()),
                "word=58", String.format("value=0x%08x", mac.otpWord58())));
        return process.run(command, otpTimeout, OTP_WRITE_SUCCESS_LINE, log, line -> { });
    }

    private List<String> connect(BoardSerial serial) {
        // By serial, never by USBn index: indexes shift as boards come and go.
        return new ArrayList<>(List.of(executable.toString(), "-c", "port=usb", "sn=" + serial.value()));
    }
}
