package io.flashrig.agent.release;

import io.flashrig.contract.ReleaseManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SHA-256 of image files, each computed once per file content: a file is hashed again only when its size or
 * modification time changed, so a 1 GB root file system is read once per new image, not once per board.
 *
 * <p>Boards arriving together while a file is being hashed wait for that one reading instead of each starting their
 * own. Only the lookup in the cache is under a lock, never a reading: a board whose files are all known gets their
 * hashes at once while another file is still being read.
 */
public final class ImageHashes {

    /** A file's hash as of the attributes seen before reading it; the reading may still be under way. */
    private record Known(long size, long modifiedMillis, CompletableFuture<String> sha256) {

        boolean matches(BasicFileAttributes attributes) {
            return size == attributes.size() && modifiedMillis == attributes.lastModifiedTime().toMillis();
        }
    }

    /** Opens a file for reading; tests hold a reading up with it. */
    interface Opener {
        InputStream open(Path file) throws IOException;
    }

    private final Map<Path, Known> known = new HashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final Opener opener;

    public ImageHashes() {
        this(Files::newInputStream);
    }

    ImageHashes(Opener opener) {
        this.opener = opener;
    }

    /** The file's SHA-256, 64 lower-case hex characters, from the cache while its size and modification time stay. */
    public String sha256(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        BasicFileAttributes before = Files.readAttributes(key, BasicFileAttributes.class);
        Known entry;
        boolean reader = false;
        synchronized (known) {
            entry = known.get(key);
            if (entry == null || !entry.matches(before)) {
                // Cached under the attributes seen before reading: a file changed while it was read is read again next time.
                entry = new Known(before.size(), before.lastModifiedTime().toMillis(), new CompletableFuture<>());
                known.put(key, entry);
                reader = true;
            }
        }
        if (reader) {
            try {
                entry.sha256().complete(read(key));
            } catch (IOException | RuntimeException | Error e) {
                // Whoever asks next reads the file again; whoever waits for this reading learns why it failed.
                synchronized (known) {
                    known.remove(key, entry);
                }
                entry.sha256().completeExceptionally(e);
                throw e;
            }
        }
        try {
            return entry.sha256().join();
        } catch (CompletionException e) {
            // The reading failed in another board's thread, with one of the throwables caught above.
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) cause;
        }
    }

    private String read(Path file) throws IOException {
        MessageDigest digest = ReleaseManifest.digest();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = opener.open(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        reads.incrementAndGet();
        return HexFormat.of().formatHex(digest.digest());
    }

    /** How many times a file was actually read; tests use it to prove that a cached file is not read again. */
    public int reads() {
        return reads.get();
    }
}
