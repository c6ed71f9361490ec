package io.flashrig.agent.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashrig.contract.ReleaseManifest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

    /**
     * One board's large image file being read holds up neither a board whose files are all known nor a second reading of
     * the same file: the second asker waits for the first reading. (The timeout only turns a regression's deadlock into
     * a failure.)
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFileBeingReadHoldsUpNeitherCachedLookupsNorASecondReading() throws Exception {
        Path bootfs = Files.write(dir.resolve("bootfs.ext4"), new byte[1000]);
        Path rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[5000]);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger rootfsOpened = new AtomicInteger();
        ImageHashes hashes = new ImageHashes(file -> {
            if (file.getFileName().toString().equals("rootfs.ext4")) {
                rootfsOpened.incrementAndGet();
                reading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
            }
            return Files.newInputStream(file);
        });
        String cached = hashes.sha256(bootfs);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> sha256(hashes, rootfs));
        reading.await();
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> sha256(hashes, rootfs));

        assertEquals(cached, hashes.sha256(bootfs), "answered from the cache while rootfs is being read");
        release.countDown();
        assertEquals(ReleaseManifest.sha256(new byte[5000]), first.get());
        assertEquals(first.get(), second.get());
        assertEquals(1, rootfsOpened.get(), "the second asker waited for the first reading");
        assertEquals(2, hashes.reads());
    }

    @Test
    void aFailedReadingIsNotCachedTheNextAskerReadsAgain() throws Exception {
        Path rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[2000]);
        AtomicInteger opened = new AtomicInteger();
        ImageHashes hashes = new ImageHashes(file -> {
            if (opened.incrementAndGet() == 1) {
                throw new IOException("Input/output error");
            }
            return Files.newInputStream(file);
        });
        IOException failed = assertThrows(IOException.class, () -> hashes.sha256(rootfs));
        assertEquals("Input/output error", failed.getMessage());
        assertEquals(ReleaseManifest.sha256(new byte[2000]), hashes.sha256(rootfs));
        assertEquals(2, opened.get());
        assertEquals(1, hashes.reads());
    }

    private static String sha256(ImageHashes hashes, Path file) {
        try {
            return hashes.sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
