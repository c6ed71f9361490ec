package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FlashTest extends OnBench {

    private static final String SERIAL = "003C00473430511536383630";
    private static final String SUCCESS = "Flashing service completed successfully";
    private static final SimulatedBoard BOARD = SimulatedBoard.normal(SERIAL, "1-1.3");
    private static final Pattern STARTED = Pattern.compile(
            "Start operation done successfully at partition (0x\\p{XDigit}{2})");
    private static final Pattern PROGRESS = Pattern.compile("Download in Progress:\n(.*?)\n\nFile download complete\n",
            Pattern.DOTALL);

    @Test
    void successfulFlashPrintsEveryPartitionAndLeavesTheBoardInUBoot() {
        Programmer.Result result = bench.plugAndFlash(BOARD);

        assertEquals(0, result.status(), result.output());
        assertTrue(result.output().contains(String.join("\n",
                "Product ID  : DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000",
                "SN          : " + SERIAL)), result.output());
        assertTrue(result.output().contains(String.join("\n",
                "Opening and parsing file: tf-a-usb.stm32",
                "  File          : tf-a-usb.stm32",
                "  Size          : 220,40 KB",
                "  Partition ID  : 0x01",
                "",
                "Download in Progress:",
                "\r[")), result.output());
        assertTrue(Pattern.compile(String.join("\n",
                "File download complete",
                "Time elapsed during download operation: \\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d",
                "",
                "RUNNING Program \\.\\.\\.",
                "  PartID:      :0x01",
                "",
                "Start operation done successfully at partition 0x01",
                "")).matcher(result.output()).find(), result.output());
        assertEquals(List.of("0x01", "0x03", "0x04", "0x21"), startedPartitions(result.output()));
        assertTrue(result.output().endsWith(SUCCESS + "\n"), result.output());
        assertFalse(result.output().contains("Error:"), result.output());
        assertEquals(Stage.UBOOT, bench.hub.board(SERIAL).orElseThrow().stage());
    }

    @Test
    void progressBarIsRedrawnInPlaceFromZeroToAHundredPercent() {
        Programmer.Result result = bench.plugAndFlash(BOARD);

        Matcher bar = PROGRESS.matcher(result.output());
        int bars = 0;
        while (bar.find()) {
            bars++;
            String redraws = bar.group(1);
            assertFalse(redraws.contains("\n"), "a redraw must not start a new line");
            List<String> frames = List.of(redraws.substring(1).split("\r"));
            assertEquals("[" + " ".repeat(50) + "] 0%", frames.get(0));
            assertEquals("[" + "=".repeat(25) + " ".repeat(25) + "] 50%", frames.get(frames.size() / 2));
            assertEquals("[" + "=".repeat(50) + "] 100%", frames.get(frames.size() - 1));
            assertEquals(51, frames.size());
        }
        assertEquals(4, bars);
    }

    @Test
    void connectingByListIndexFlashesThatBoard() {
        bench.hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));
        bench.hub.plug(SimulatedBoard.normal("SN2", "1-1.4"));

        String layout = bench.layout.toString();

        Programmer.Result result = bench.programmer.run("--connect", "port=USB2", "--download", layout);

        assertEquals(0, result.status(), result.output());
        assertTrue(result.output().contains("SN          : SN2"), result.output());
        assertEquals(Stage.UBOOT, bench.hub.board("SN2").orElseThrow().stage());
        assertEquals(Stage.ROM, bench.hub.board("SN1").orElseThrow().stage());
    }

    @Test
    void reenumeratingBoardReconnectsWithANewHeaderAndFinishes() {
        Programmer.Result result = bench.plugAndFlash(BOARD.withBehaviour(Behaviour.REENUMERATE));

        assertEquals(0, result.status(), result.output());
        String afterFirstPartition = result.output().substring(
                result.output().indexOf("Start operation done successfully at partition 0x01"));
        assertTrue(afterFirstPartition.contains(String.join("\n",
                "Reconnecting the device ...",
                "USB speed   : High Speed (480MBit/s)",
                "Manuf. ID   : STMicroelectronics",
                "Product ID  : " + Stage.UBOOT.productString())), result.output());
        assertTrue(result.output().endsWith(SUCCESS + "\n"), result.output());
        assertTrue(bench.hub.board(SERIAL).orElseThrow().present());
    }

    @Test
    void normalBoardDoesNotReenumerate() {
        Programmer.Result result = bench.plugAndFlash(BOARD);

        assertFalse(result.output().contains("Reconnecting"), result.output());
    }

    @Test
    void failingBoardStopsAtTheFirstPartitionWithStatusOne() {
        Programmer.Result result = bench.plugAndFlash(BOARD.withBehaviour(Behaviour.FAIL));

        assertEquals(1, result.status());
        assertTrue(result.output().endsWith("Error: Start operation failed at partition 0x01\n"), result.output());
        assertFalse(result.output().contains(SUCCESS), result.output());
        assertEquals(Stage.ROM, bench.hub.board(SERIAL).orElseThrow().stage());
    }

    @Test
    void exitZeroWithErrorBoardFailsButExitsZero() {
        Programmer.Result result = bench.plugAndFlash(BOARD.withBehaviour(Behaviour.EXIT_ZERO_WITH_ERROR));

        assertEquals(0, result.status());
        assertTrue(result.output().endsWith("Error: TSV flashing service failed\n"), result.output());
        assertFalse(result.output().contains(SUCCESS), result.output());
    }

    @Test
    void hangingBoardBlocksUntilTheProgrammerIsStopped() throws Exception {
        Programmer.Running flash = bench.plugAndStartFlashing(BOARD.withBehaviour(Behaviour.HANG));
        flash.awaitOutput("] 20%");

        Thread.sleep(200);
        assertFalse(flash.finished(), flash.output());
        assertFalse(flash.output().contains("] 22%"), flash.output());

        assertEquals(ProgrammerSimulator.INTERRUPTED, flash.interrupt().status());
    }

    @Test
    void unpluggedBoardFailsTheRunningFlashLikeAPulledCable() throws Exception {
        Programmer.Running flash = bench.plugAndStartFlashing(BOARD.withTimes(600_000, 600));
        flash.awaitOutput("Download in Progress:");

        bench.hub.unplug(SERIAL);
        Programmer.Result result = flash.finish();

        assertEquals(1, result.status());
        assertTrue(result.output().endsWith("%\nWarning: Connection to device 0x500 is lost\n"
                + "Error: an error occured while uploading data from the virtual partition 0xF1\n"), result.output());
    }

    @Test
    void boardUnpluggedDuringItsReenumerationGapFailsTheFlash() throws Exception {
        Programmer.Running flash = bench.plugAndStartFlashing(
                BOARD.withBehaviour(Behaviour.REENUMERATE).withTimes(1500, 600_000));
        flash.awaitOutput("Reconnecting the device ...");

        bench.hub.unplug(SERIAL);

        assertEquals(1, flash.finish().status());
        assertTrue(flash.output().contains("Warning: Connection to device 0x500 is lost"), flash.output());
    }

    @Test
    void reenumeratingBoardComesBackByItselfWhenItsProgrammerIsKilledDuringTheGap() throws Exception {
        Programmer.Running flash = bench.plugAndStartFlashing(
                BOARD.withBehaviour(Behaviour.REENUMERATE).withTimes(1500, 1_000_000));
        flash.awaitOutput("Reconnecting the device ...");

        assertEquals(ProgrammerSimulator.INTERRUPTED, flash.interrupt().status());
        assertFalse(bench.hub.board(SERIAL).orElseThrow().present(), "the gap lasts a simulated 1 000 s (10 s here)");

        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!bench.hub.board(SERIAL).orElseThrow().present()) {
            assertTrue(System.nanoTime() < deadline, "the board never came back");
            Thread.sleep(20);
        }
    }

    @Test
    void connectWaitsForABoardInItsReenumerationGap() throws Exception {
        Programmer.Running flash = bench.plugAndStartFlashing(
                BOARD.withBehaviour(Behaviour.REENUMERATE).withTimes(1500, 50_000));
        flash.awaitOutput("Reconnecting the device ...");
        Programmer realTime = new Programmer(bench.hub, "1");

        Programmer.Result read = realTime.run("-c", "port=usb", "sn=" + SERIAL, "-otp", "displ", "word=57");

        assertEquals(0, read.status(), "the 3 s connect retry outlasts the 0.5 s gap:\n" + read.output());
        assertTrue(read.output().contains("Product ID  : " + Stage.UBOOT.productString()), read.output());
        assertEquals(0, flash.finish().status());
    }

    @Test
    void unknownSerialIsNotFoundAfterTheRetry() {
        bench.hub.plug(BOARD);

        String layout = bench.layout.toString();

        Programmer.Result result = bench.programmer.run("-c", "port=usb", "sn=000000000000", "-w", layout);

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: Target device not found.\n"), result.output());
        assertFalse(result.output().contains("Opening and parsing file"), result.output());
    }

    @Test
    void indexBeyondTheListIsNotFound() {
        bench.hub.plug(BOARD);

        Programmer.Result result = bench.programmer.run("-c", "port=usb2", "-w", bench.layout.toString());

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: Target device not found."), result.output());
    }

    @Test
    void missingBinaryFailsBeforeAnyDownload() throws IOException {
        Files.delete(bench.layout.resolveSibling("bootfs.ext4"));

        Programmer.Result result = bench.plugAndFlash(BOARD);

        assertEquals(1, result.status());
        Path missing = bench.layout.resolveSibling("bootfs.ext4");
        assertTrue(result.output().contains("Error: File does not exist: " + missing), result.output());
        assertFalse(result.output().contains("Download in Progress"), result.output());
        assertEquals(Stage.ROM, bench.hub.board(SERIAL).orElseThrow().stage());
    }

    @Test
    void missingLayoutIsAnError() {
        bench.hub.plug(BOARD);
        Path nowhere = bench.layout.resolveSibling("nowhere.tsv");

        Programmer.Result result = bench.programmer.run("-c", "port=usb", "sn=" + SERIAL, "-w", nowhere.toString());

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: File does not exist: " + nowhere), result.output());
    }

    @Test
    void malformedLayoutLineIsNamed() throws IOException {
        Files.writeString(bench.layout, "P\t0x21\tbootfs\tSystem\tmmc1 0x00080000 bootfs.ext4\n");

        Programmer.Result result = bench.plugAndFlash(BOARD);

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: Wrong flashlayout format: line 1"), result.output());
    }

    @Test
    void writeWithoutConnectIsAnError() {
        bench.hub.plug(BOARD);

        Programmer.Result result = bench.programmer.run("-w", bench.layout.toString());

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: no device connected"), result.output());
    }

    private static List<String> startedPartitions(String output) {
        return STARTED.matcher(output).results().map(match -> match.group(1)).toList();
    }
}
