package io.flashrig.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Mutual exclusion on one hub file across processes and across threads of one process. A file lock alone is not
 * enough: the JVM holds file locks per process and refuses a second lock on the same file from another thread, which
 * is exactly what tests do when they unplug a board while an in-process programmer flashes it.
 */
final class HubLock {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private HubLock() {
    }

    /**
     * Runs {@code action} while holding the lock on {@code lockFile}. The file is created if needed and must never be
     * deleted: a process that locked the old file and one that locked its replacement would not exclude each other.
     */
    static <T> T holding(Path lockFile, Supplier<T> action) {
        ReentrantLock threads = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
                path -> new ReentrantLock());
        threads.lock();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock processes = channel.lock()) {
            return action.get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockFile, e);
        } finally {
            threads.unlock();
        }
    }
}
