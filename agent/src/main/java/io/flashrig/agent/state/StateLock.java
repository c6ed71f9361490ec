package io.flashrig.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The one agent allowed to work on a state directory. Two agents on one folder would append to one event queue (one
 * recovery can cut off the record the other is writing) and each replace the other's session on the server. The lock
 * is the operating system's, so it is gone the moment its holder dies, even by {@code kill -9}; the file names the
 * holder's process for whoever finds the folder taken.
 */
public final class StateLock implements AutoCloseable {

    /** The folder is in use by another agent. */
    public static final class Held extends Exception {
        private final transient Optional<Long> pid;

        Held(Path dir, Optional<Long> pid) {
            super("another agent" + pid.map(p -> " (PID " + p + ")").orElse("") + " is running on the state directory "
                    + dir + ": stop it first, or give this one another --state-dir");
            this.pid = pid;
        }

        /** The running agent's process id, when its lock file says. */
        public Optional<Long> pid() {
            return pid;
        }
    }

    private static final String FILE = "agent.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the state directory for this process, or says who holds it. */
    public static StateLock take(StateDir dir) throws IOException, Held {
        Path file = dir.root().resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new Held(dir.root(), holder(dir));
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
        return new StateLock(channel, lock);
    }

    private static Optional<Long> holder(StateDir dir) {
        try {
            return Optional.of(Long.parseLong(Files.readString(dir.root().resolve(FILE)).strip()));
        } catch (IOException | NumberFormatException unreadable) {
            return Optional.empty();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
