package io.flashrig.simulator;

import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * {@code -otp displ} and {@code -otp write}: the OTP words as U-Boot's programming service exposes them in its virtual
 * partition 0xF2. The ROM does not serve that partition, so a board must have been flashed first.
 */
final class OtpPartition {

    private static final String TABLE_RULE = "--------------------------";

    private final Connection connection;
    private final Console console;

    OtpPartition(Connection connection, Console console) {
        this.connection = connection;
        this.console = console;
    }

    /** Shows the given words, or all of them if none is given. */
    void display(List<Integer> words) {
        BoardState board = upload();
        console.line("");
        List<Integer> shown = words.isEmpty() ? IntStream.range(0, BoardState.OTP_WORDS).boxed().toList() : words;
        for (int word : shown) {
            OtpWord bits = board.otp(word);
            console.line("OTP" + word);
            console.line("| Data" + word + " : " + hex(bits.value()));
            console.line("| Status" + word + " : " + hex(bits.status()));
            if (bits.corrupted()) {
                console.line("|_[00] Invalid");
            }
            console.line("");
        }
    }

    /**
     * Programs the words after the operator's confirmation. Like the fuses, the simulator does not refuse a word that
     * is no longer blank: it programs it and the word may be lost, which only a read-back reveals.
     */
    void write(List<Command.OtpWrite.Assignment> assignments, boolean lock, Session session) {
        upload();
        console.line("");
        console.line("OTP Write command:");
        console.line("You are trying to write on OTP partition with the following inputs :");
        console.line(TABLE_RULE);
        console.line("Word | Value");
        console.line(TABLE_RULE);
        assignments.forEach(assignment -> console.line(assignment.word() + " | "
                + String.format(Locale.ROOT, "0x%08x", assignment.value())));
        console.line("Lock | " + (lock ? "YES" : "NO"));
        console.line(TABLE_RULE);
        if (!session.confirmed()) {
            throw new ToolError("Error: OTP write cancelled: the operation was not confirmed");
        }
        console.line("WRITING TO OTP PARTITION ...");
        printPartition();
        connection.update(current -> {
            BoardState programmed = current;
            for (Command.OtpWrite.Assignment assignment : assignments) {
                if (current.otp(assignment.word()).locked()) {
                    throw new ToolError("Error: OTP word " + assignment.word() + " is locked and cannot be programmed");
                }
                programmed = programmed.programmed(assignment.word(), assignment.value(), lock);
            }
            return programmed;
        });
        console.line("OTP words programming done successfully");
    }

    /** Reads the OTP partition, which only U-Boot serves. */
    private BoardState upload() {
        BoardState board = connection.board();
        console.line("UPLOADING OTP STRUCTURE ...");
        printPartition();
        if (board.stage() != Stage.UBOOT) {
            throw new ToolError(
                    "Error: unable to get the associate alternate setting of partition ID: 0xf2",
                    "Error: please make sure that your alternate settings have string descriptors with the right"
                            + " format",
                    "Error: the specified partition: 0xf2 is unreachable",
                    "Error: Read OTP Partition failed",
                    "Error: Uploading the OTP structure failed",
                    "Error: Initializing the OTP structure failed");
        }
        console.line("OTP Partition read successfully");
        return board;
    }

    private void printPartition() {
        console.line("  Partition     : 0xF2");
        console.line("  Size          : 1024 Bytes");
        console.line("");
    }

    private static String hex(long bits) {
        return String.format(Locale.ROOT, "0x%08X", bits);
    }
}
