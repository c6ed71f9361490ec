package io.flashrig.agent.job;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.OtpReading;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Boards in memory: every flash succeeds at once, OTP words 57/58 start blank and keep what is written. For tests of the
 * job machinery that need neither a process nor a simulator; the simulator tests cover parsing and processes.
 */
final class InMemoryProgrammer implements Programmer {

    /** One board's OTP words and how often each operation ran on it. */
    static final class Board {
        volatile long word57;
        volatile long word58;
        final AtomicInteger flashes = new AtomicInteger();
        final AtomicInteger otpWrites = new AtomicInteger();
    }

    private final Map<String, Board> boards = new ConcurrentHashMap<>();

    Board board(String serial) {
        return boards.computeIfAbsent(serial, s -> new Board());
    }

    @Override
    public ProgrammerRun flash(BoardSerial serial, FlashLayout layout, Path log, Consumer<String> lines) {
        board(serial.value()).flashes.incrementAndGet();
        lines.accept(FLASH_SUCCESS_LINE);
        return succeeded(FLASH_SUCCESS_LINE);
    }

    @Override
    public OtpRead readOtp(BoardSerial serial, Path log) {
        Board board = board(serial.value());
        return new OtpRead(succeeded(OtpReading.SUCCESS_LINE), Optional.of(new OtpReading(board.word57, 0, false, board.word58, 0, false)));
    }

    @Override
    public ProgrammerRun writeOtp(BoardSerial serial, MacAddress mac, Path log) {
        Board board = board(serial.value());
        board.otpWrites.incrementAndGet();
        board.word57 = mac.otpWord57();
        board.word58 = mac.otpWord58();
        return succeeded(OTP_WRITE_SUCCESS_LINE);
    }

    private static ProgrammerRun succeeded(String line) {
        return new ProgrammerRun(0, false, Optional.empty(), List.of(), List.of(line), true, true, Duration.ZERO);
    }
}
