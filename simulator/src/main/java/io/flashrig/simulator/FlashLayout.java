package io.flashrig.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A flash layout ({@code .tsv}): tab-separated columns {@code Opt Id Name Type IP Offset Binary}, {@code #} lines are
 * comments, binaries are found beside the layout. Partitions whose binary is {@code none} have nothing to download.
 *
 * @param partitions the partitions to download, in layout order
 */
record FlashLayout(List<Partition> partitions) {

    private static final int COLUMNS = 7;
    private static final int ID = 1;
    private static final int NAME = 2;
    private static final int BINARY = 6;

    /**
     * One partition to download.
     *
     * @param id     the partition ID, e.g. {@code 0x01} for fsbl-boot
     * @param name   the partition name
     * @param binary the file to download
     * @param size   the file's size in bytes
     */
    record Partition(int id, String name, Path binary, long size) {

        /** The ID as the programmer prints it: {@code 0x01}. */
        String hexId() {
            return String.format(Locale.ROOT, "0x%02X", id);
        }
    }

    /** Reads a layout and checks that every binary it names exists, before anything is downloaded. */
    static FlashLayout read(Path layout) {
        if (!Files.isRegularFile(layout)) {
            throw new ToolError("Error: File does not exist: " + layout);
        }
        Path folder = layout.toAbsolutePath().getParent();
        List<String> lines;
        try {
            lines = Files.readAllLines(layout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the flash layout " + layout, e);
        }
        List<Partition> partitions = new ArrayList<>();
        for (int number = 1; number <= lines.size(); number++) {
            String line = lines.get(number - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] columns = line.split("\t+");
            if (columns.length != COLUMNS) {
                throw new ToolError("Error: Wrong flashlayout format: line " + number + " of " + layout + " has "
                        + columns.length + " columns, expected " + COLUMNS + " (Opt Id Name Type IP Offset Binary)");
            }
            if (!columns[BINARY].equalsIgnoreCase("none")) {
                partitions.add(partition(columns, folder, layout, number));
            }
        }
        if (partitions.isEmpty()) {
            throw new ToolError("Error: the flashlayout " + layout + " has no partition to download");
        }
        return new FlashLayout(List.copyOf(partitions));
    }

    private static Partition partition(String[] columns, Path folder, Path layout, int number) {
        int id;
        try {
            id = Integer.decode(columns[ID]);
        } catch (NumberFormatException e) {
            throw new ToolError("Error: Wrong flashlayout format: line " + number + " of " + layout
                    + " has the partition ID " + columns[ID] + ", expected a number like 0x21");
        }
        Path binary = folder.resolve(columns[BINARY]);
        if (!Files.isRegularFile(binary)) {
            throw new ToolError("Error: File does not exist: " + binary,
                    "Error: the flashlayout " + layout + " names it for partition " + columns[NAME]);
        }
        try {
            return new Partition(id, columns[NAME], binary, Files.size(binary));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + binary, e);
        }
    }

    /** The bytes of all partitions together. */
    long totalSize() {
        return partitions.stream().mapToLong(Partition::size).sum();
    }
}
