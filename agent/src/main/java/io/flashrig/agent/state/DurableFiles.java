package io.flashrig.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes small files so that after {@code kill -9} or a power loss either the old or the new content is there, never a
 * torn mix: write a temporary file, fsync it, rename it over the target, fsync the folder (the rename lives there).
 */
public final class DurableFiles {

    private DurableFiles() {
    }

    public static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = tmpOf(target);
        try (FileChannel ch = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(content));
            ch.force(true);
        }
        rename(tmp, target);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Writes a file as {@link #writeAtomically} does and hands it back open for appending, for a journal that replaces
     * itself: the channel that wrote the new file is the one the appends go to. The caller syncs the folder once it
     * has let go of the old file's channel; until then a crash leaves the old file, which holds all the new one does.
     */
    public static FileChannel writeForAppending(Path target, byte[] content) throws IOException {
        Path tmp = tmpOf(target);
        Files.deleteIfExists(tmp);
        FileChannel ch = PrivateFiles.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            writeFully(ch, ByteBuffer.wrap(content));
            ch.force(true);
            rename(tmp, target);
            return ch;
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    private static Path tmpOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    private static void rename(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes all of {@code bytes}: a write to a full disk may take part of them without failing. */
    public static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Makes a folder's entries (created, renamed, deleted files) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Windows cannot open a folder as a channel; NTFS journals renames itself.
            if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
                throw e;
            }
        }
    }
}
