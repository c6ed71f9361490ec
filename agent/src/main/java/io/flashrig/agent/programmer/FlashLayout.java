package io.flashrig.agent.programmer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A flash layout ({@code .tsv}): tab-separated {@code Opt Id Name Type IP Offset Binary}, {@code #} lines are comments,
 * binaries are found relative to the layout's folder. Reading it checks that every binary it names exists, so that a
 * rig never starts flashing with a layout that cannot succeed.
 *
 * @param file the layout file
 * @param sha256 SHA-256 of the layout file's bytes, 64 lower-case hex characters
 * @param partitions the layout's lines in order
 */
public record FlashLayout(Path file, String sha256, List<Partition> partitions) {

    /**
     * One line of the layout.
     *
     * @param id partition id as written, e.g. {@code 0x21}
     * @param name e.g. {@code bootfs}
     * @param binary the image file, when the line names one
     * @param size the image's size in bytes (0 without one)
     */
    public record Partition(String id, String name, Optional<Path> binary, long size) {
    }

    /** Why a layout cannot be used, in one sentence. */
    public static final class InvalidLayoutException extends Exception {
        public InvalidLayoutException(String message) {
            super(message);
        }
    }

    public FlashLayout {
        partitions = List.copyOf(partitions);
    }

    /** Reads and checks a layout. */
    public static FlashLayout read(Path file) throws InvalidLayoutException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidLayoutException("cannot read the flash layout " + file + ": " + describe(e));
        }
        Path folder = file.toAbsolutePath().getParent();
        List<Partition> partitions = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t+");
            if (cols.length < 7) {
                throw new InvalidLayoutException("flash layout " + file + " line " + (i + 1)
                        + " has " + cols.length + " columns; expected Opt Id Name Type IP Offset Binary separated by tabs");
            }
            String binaryName = cols[6].strip();
            Optional<Path> binary = Optional.empty();
            long size = 0;
            if (!binaryName.isEmpty() && !binaryName.toLowerCase(Locale.ROOT).equals("none")) {
                Path path = folder.resolve(binaryName);
                if (!Files.isRegularFile(path)) {
                    throw new InvalidLayoutException("flash layout " + file + " line " + (i + 1) + " names " + binaryName
                            + ", which is missing from " + folder);
                }
                try {
                    size = Files.size(path);
                } catch (IOException e) {
                    throw new InvalidLayoutException("cannot read " + path + ": " + describe(e));
                }
                binary = Optional.of(path);
            }
            partitions.add(new Partition(cols[1].strip(), cols[2].strip(), binary, size));
        }
        if (partitions.isEmpty()) {
            throw new InvalidLayoutException("flash layout " + file + " lists no partitions");
        }
        return new FlashLayout(file.toAbsolutePath(), sha256(bytes), partitions);
    }

    /** The layout's file name without folders, as reported to the server. */
    public String name() {
        return file.getFileName().toString();
    }

    /** The partition with this id (compared as a number: {@code 0x1} is {@code 0x01}). */
    public Optional<Partition> partition(String id) {
        return partitions.stream().filter(p -> sameId(p.id(), id)).findFirst();
    }

    static boolean sameId(String a, String b) {
        try {
            return Long.decode(a.strip()).equals(Long.decode(b.strip()));
        } catch (NumberFormatException e) {
            return a.strip().equalsIgnoreCase(b.strip());
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " " + e.getMessage();
    }
}
