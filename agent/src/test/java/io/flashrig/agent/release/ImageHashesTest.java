package io.flashrig.agent.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.flashrig.contract.ReleaseManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageHashesTest {

    @TempDir
    Path dir;

    @Test
    void readsAFileOnceWhileItsSizeAndTimeStay() throws Exception {
        Path rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[300_000]);
        ImageHashes hashes = new ImageHashes();
        String first = hashes.sha256(rootfs);
        for (int board = 0; board < 10; board++) {
            assertEquals(first, hashes.sha256(rootfs));
        }
        assertEquals(1, hashes.reads());
        assertEquals(ReleaseManifest.sha256(new byte[300_000]), first);
    }

    @Test
    void readsAgainWhenTheFileChanged() throws Exception {
        Path rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[1000]);
        Files.setLastModifiedTime(rootfs, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        ImageHashes hashes = new ImageHashes();
        String before = hashes.sha256(rootfs);
        byte[] changed = new byte[1000];
        changed[7] = 1;
        Files.write(rootfs, changed);
        Files.setLastModifiedTime(rootfs, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
        String after = hashes.sha256(rootfs);
        assertNotEquals(before, after);
        assertEquals(ReleaseManifest.sha256(changed), after);
        assertEquals(2, hashes.reads());
    }
}
