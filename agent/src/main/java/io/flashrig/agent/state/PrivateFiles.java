package io.flashrig.agent.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Folders 0700 and files 0600 in the state dir, where the file system has POSIX modes: it holds programmer output
 * (board serials, chip details), OTP write intents (MACs about to be fused) and queued events, which other users of
 * the rig computer have no business reading, or changing to fuse another MAC. Elsewhere (Windows) the folder's
 * inherited ACL stands.
 */
public final class PrivateFiles {

    static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {
    }

    /**
     * Creates the folder, and any missing parent, owner-only; a folder already there, made by an older agent or by
     * hand, is narrowed to owner-only too.
     */
    public static Path folder(Path dir) throws IOException {
        if (!POSIX) {
            return Files.createDirectories(dir);
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(FOLDER));
        if (!Files.getPosixFilePermissions(dir).equals(FOLDER)) {
            Files.setPosixFilePermissions(dir, FOLDER);
        }
        return dir;
    }

    /** Opens a file, created owner-only if it is not there yet. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> set = Set.of(options);
        return POSIX ? FileChannel.open(file, set, PosixFilePermissions.asFileAttribute(FILE)) : FileChannel.open(file, set);
    }
}
