package io.flashrig.agent.release;

import io.flashrig.contract.ReleaseManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of image files, each computed once per file content: a file is hashed again only when its size or
 * modification time changed, so a 1 GB root file system is read once per new image, not once per board.
 *
 * <p>Hashing one file at a time also means that boards arriving together while a big file is being hashed wait for that
 * one reading instead of each starting their own.
 */
public final class ImageHashes {

    private record Known(long size, long modifiedMillis, String sha256) {
    }

    private final Map<Path, Known> known = new ConcurrentHashMap<>();
    private int reads;

    /** The file's SHA-256, 64 lower-case hex characters, from the cache while its size and modification time stay. */
    public synchronized String sha256(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        BasicFileAttributes before = Files.readAttributes(key, BasicFileAttributes.class);
        Known cached = known.get(key);
        if (cached != null && cached.size() == before.size() && cached.modifiedMillis() == before.lastModifiedTime().toMillis()) {
            return cached.sha256();
        }
        MessageDigest digest = ReleaseManifest.digest();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(key)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        reads++;
        String sha256 = HexFormat.of().formatHex(digest.digest());
        // Cached under the attributes seen before reading: a file changed while it was read is read again next time.
        known.put(key, new Known(before.size(), before.lastModifiedTime().toMillis(), sha256));
        return sha256;
    }

    /** How many times a file was actually read; tests use it to prove that a cached file is not read again. */
    public synchronized int reads() {
        return reads;
    }
}
