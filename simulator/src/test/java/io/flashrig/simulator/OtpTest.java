package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OtpTest extends OnBench {

    private static final String SERIAL = "003C00473430511536383630";
    private static final String DONE = "OTP words programming done successfully";
    private static final String[] WRITE_MAC = {"-y", "-otp", "write", "word=57", "value=0x3821d904", "word=58",
            "value=0x0000a830"};
    private static final String[] READ_MAC = {"-otp", "displ", "word=57", "word=58"};

    /** Plugs the board and flashes it, which brings U-Boot's OTP service up. */
    private void flashed(SimulatedBoard board) {
        assertEquals(0, bench.plugAndFlash(board).status());
    }

    /** Connects to the board by serial and runs {@code commands}. */
    private Programmer.Result connected(String... commands) {
        return answering("", commands);
    }

    /** Connects to the board by serial and runs {@code commands} with {@code input} on standard input. */
    private Programmer.Result answering(String input, String... commands) {
        String[] args = Stream.concat(Stream.of("-c", "port=usb", "sn=" + SERIAL), Stream.of(commands))
                .toArray(String[]::new);
        return bench.programmer.answering(input, args);
    }

    private BoardState board() {
        return bench.hub.board(SERIAL).orElseThrow();
    }

    @Test
    void romDoesNotServeOtp() {
        bench.hub.plug(SimulatedBoard.normal(SERIAL, "1-1.3"));

        Programmer.Result result = connected(READ_MAC);

        assertEquals(1, result.status());
        assertTrue(result.output().contains(
                "Error: unable to get the associate alternate setting of partition ID: 0xf2\n"), result.output());
        assertFalse(result.output().contains("OTP Partition read successfully"), result.output());
    }

    @Test
    void blankBoardShowsBlankWords() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));

        Programmer.Result result = connected(READ_MAC);

        assertEquals(0, result.status());
        assertTrue(result.output().contains("OTP Partition read successfully\n"), result.output());
        assertTrue(result.output().contains("| Data57 : 0x00000000\n| Status57 : 0x00000000\n"), result.output());
        assertTrue(result.output().contains("| Data58 : 0x00000000\n| Status58 : 0x00000000\n"), result.output());
        assertFalse(result.output().contains("Data59"), result.output());
    }

    @Test
    void displayWithoutWordsShowsAllNinetySixWords() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3").withMac("04:d9:21:38:30:a8"));

        Programmer.Result result = connected("-otp", "displ");

        assertEquals(0, result.status());
        assertTrue(result.output().contains("| Data0 : 0x00000000"), result.output());
        assertTrue(result.output().contains("| Data57 : 0x3821D904"), result.output());
        assertTrue(result.output().contains("| Data95 : 0x00000000"), result.output());
    }

    @Test
    void writeWithYesProgramsEachWordOnce() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));

        Programmer.Result write = connected(WRITE_MAC);

        assertEquals(0, write.status(), write.output());
        assertTrue(write.output().endsWith(DONE + "\n"), write.output());
        assertFalse(write.output().contains("Do you confirm"), write.output());
        assertEquals(0x3821d904L, board().otp57());
        assertEquals(0x0000a830L, board().otp58());
        assertEquals(1, board().otp57Writes());
        assertEquals(1, board().otp58Writes());
        assertFalse(board().bricked());
        Programmer.Result read = connected(READ_MAC);
        assertTrue(read.output().contains("| Data57 : 0x3821D904\n| Status57 : 0x00000000\n"), read.output());
        assertTrue(read.output().contains("| Data58 : 0x0000A830\n| Status58 : 0x00000000\n"), read.output());
    }

    @Test
    void writeWithoutYesAsksAndGoesOnAfterYes() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));

        Programmer.Result result = answering("yes\n", "-otp", "write", "word=57", "value=0x3821d904");

        assertEquals(0, result.status(), result.output());
        assertTrue(result.output().contains("Warning: Do you confirm ? [yes/no]\n"), result.output());
        assertEquals(1, board().otp57Writes());
    }

    @Test
    void writeWithoutYesWritesNothingUnlessConfirmed() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));

        for (String answer : new String[] {"no\n", ""}) {
            Programmer.Result result = answering(answer, "-otp", "write", "word=57", "value=0x3821d904");

            assertEquals(1, result.status(), result.output());
            assertTrue(result.output().contains("Warning: Do you confirm ? [yes/no]\n"), result.output());
            assertFalse(result.output().contains(DONE), result.output());
        }
        assertEquals(0, board().otp57Writes());
        assertEquals(0, board().otp57());
    }

    @Test
    void secondDifferentWriteCorruptsTheWordAndBricksTheBoard() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));
        connected(WRITE_MAC);

        Programmer.Result second = connected("-y", "-otp", "write", "word=57", "value=0x11111111");

        assertEquals(0, second.status(), "the programmer cannot tell: only a read-back shows the damage");
        assertEquals(2, board().otp57Writes());
        assertNotEquals(0, board().otp57Status());
        assertTrue(board().bricked());
        Programmer.Result read = connected(READ_MAC);
        assertTrue(read.output().contains("| Data57 : 0x3931D915\n| Status57 : 0x00000001\n|_[00] Invalid\n"),
                read.output());
        assertTrue(read.output().contains("| Status58 : 0x00000000\n\n"), read.output());
    }

    @Test
    void sameValueWrittenAgainIsStillASecondWrite() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));
        connected(WRITE_MAC);

        connected(WRITE_MAC);

        assertEquals(2, board().otp57Writes());
        assertEquals(0, board().otp57Status());
        assertEquals(0x3821d904L, board().otp57());
        assertTrue(board().bricked());
    }

    @Test
    void writingOverAMacBurntBeforePluggingCorruptsIt() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3").withMac("04:d9:21:38:30:a8"));

        connected("-y", "-otp", "write", "word=58", "value=0x0000b000");

        assertEquals(1, board().otp58Writes());
        assertNotEquals(0, board().otp58Status());
        assertTrue(board().bricked());
    }

    @Test
    void olderProgramSyntaxTakesHexWordIds() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));

        Programmer.Result result = connected("-y", "-otp", "program", "wordID=0x39", "value=0x3821d904");

        assertEquals(0, result.status(), result.output());
        assertEquals(0x3821d904L, board().otp57());
        assertEquals(1, board().otp57Writes());
    }

    @Test
    void lockedWordCannotBeProgrammedAgain() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));
        Programmer.Result locking = connected("-y", "-otp", "write", "lock", "word=57", "value=0x3821d904");
        assertTrue(locking.output().contains("Lock | YES"), locking.output());

        Programmer.Result again = connected("-y", "-otp", "write", "word=57", "value=0x11111111");

        assertEquals(1, again.status());
        assertTrue(again.output().contains("Error: OTP word 57 is locked"), again.output());
        assertEquals(1, board().otp57Writes());
        assertEquals(0x3821d904L, board().otp57());
    }

    @Test
    void wordWithoutValueIsAnErrorBeforeConnecting() {
        flashed(SimulatedBoard.normal(SERIAL, "1-1.3"));

        Programmer.Result result = connected("-y", "-otp", "write", "word=57");

        assertEquals(1, result.status());
        assertFalse(result.output().contains("SN          :"), result.output());
        assertEquals(0, board().otp57Writes());
    }

    @Test
    void valueWiderThanAWordIsRefused() {
        Programmer.Result result = connected("-y", "-otp", "write", "word=57", "value=0x100000000");

        assertEquals(1, result.status());
        assertTrue(result.output().contains("32 bits"), result.output());
    }
}
