package io.flashrig.agent.link;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flashrig.agent.state.DurableFiles;
import io.flashrig.agent.state.PrivateFiles;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.jboss.logging.Logger;

/**
 * The agent's durable queue of board events, on disk under the state directory. Every event is written and fsynced
 * before {@link #append} returns, so it survives {@code kill -9} and power loss; it leaves the queue only when the
 * server has acknowledged it, and it is offered for sending only once it is durable (a sequence the server has seen
 * must never be handed out again after a power loss). Sequence numbers are 1, 2, 3… without gaps and scoped to the
 * queue's id, which is created once with the folder.
 *
 * <p>Group commit: many jobs append at once (every progress redraw of 16 boards), and one fsync takes milliseconds, far
 * more on a busy or slow disk. An fsync is therefore not done under the queue's lock: jobs keep writing while one of
 * them syncs, and the next sync makes all of those durable at once, so a job waits for at most two syncs rather than
 * for everybody else's in turn. (A job thread that waits is also the thread reading its programmer's output.) The jobs
 * waiting for a sync do not queue on a lock: they sleep until it ends and are woken all at once. A queue of sleeping
 * threads on one lock is woken one thread at a time, each only once the one before got a core, and on a loaded machine
 * the 16 boards of one listing waited 60-120 ms that way for syncs of a few milliseconds.
 *
 * <p>On disk: {@code queue-id} (a UUID), {@code events.log} (records of length, CRC-32C and the event's bytes, appended)
 * and {@code acknowledged} (the highest sequence the server committed). A record torn by a power loss fails its CRC and
 * is cut off when the queue is opened again; it was never acknowledged to anyone, because append had not returned.
 *
 * <p>Bounded: once it holds {@code capacity} events, progress events are no longer queued (a later progress or state
 * event supersedes them); state changes are always queued, since losing one would lose a board's story.
 */
public final class EventQueue implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventQueue.class);
    /** A fully acknowledged log is cut back to empty once it is larger than this. */
    private static final long COMPACT_BYTES = 1 << 20;
    /** A log with unacknowledged events is rewritten without the acknowledged ones once it is larger than this. */
    private static final long REWRITE_BYTES = 16L << 20;
    private static final int HEADER = 8;

    /** Makes what was written to the log durable. */
    interface Sync {
        void force(FileChannel log) throws IOException;
    }

    /**
     * The event was written but could not be made durable. It stays queued and is sent once a later sync succeeds (the
     * next append, or the link's next wait, tries again).
     */
    public static final class SyncFailed extends IOException {
        SyncFailed(IOException cause) {
            super("the event queue could not be synced to disk: " + cause.getMessage(), cause);
        }
    }

    private final Path dir;
    private final String queueId;
    private final int capacity;
    private final Sync sync;
    /**
     * Held while the log is synced, or swapped or cut back (which a sync in progress must not see); taken before the
     * queue's own lock, never after it.
     */
    private final Object syncing = new Object();
    /** Held while an acknowledgement is recorded, so that two are not written at once (and the lower not last). */
    private final Object acknowledging = new Object();
    /** Written events not yet acknowledged, in sequence order; those above {@link #durableSequence} are not yet synced. */
    private final Deque<BoardEvent> pending = new ArrayDeque<>();
    private FileChannel log;
    private long acknowledged;
    private long lastSequence;
    /** Written under the queue's lock; read without it by appenders waiting for a sync. */
    private volatile long durableSequence;
    private boolean warnedFull;
    /**
     * A sync failed. The system may then have dropped the written pages while a later sync still succeeds, so the log
     * is written anew, whole, before anything more counts as durable. Written holding {@link #syncing} and the queue's
     * lock, read holding either.
     */
    private boolean syncFailed;
    /** An appender is making the log durable (it leads the sync); the others wait for it. Guarded by the queue's lock. */
    private boolean syncLed;
    /** How many led syncs have ended, failed or not: what waiting appenders watch. */
    private volatile long syncsEnded;
    /** The number {@link #syncsEnded} took when the last led sync that failed ended. Guarded by the queue's lock. */
    private long failedRound = -1;
    /** Why the last led sync failed. Guarded by the queue's lock. */
    private IOException failure;
    /** The appenders sleeping until the led sync ends. Guarded by the queue's lock. */
    private final List<Thread> sleepers = new ArrayList<>();
    /** A retried sync failed and said so; quiet until one succeeds. */
    private volatile boolean warnedRetry;

    private EventQueue(Path dir, String queueId, int capacity, Sync sync) {
        this.dir = dir;
        this.queueId = queueId;
        this.capacity = capacity;
        this.sync = sync;
    }

    /** Opens (or creates) the queue in {@code dir}, recovering from an abrupt stop. */
    public static EventQueue open(Path dir, int capacity) throws IOException {
        return open(dir, capacity, log -> log.force(false));
    }

    /** With another way to sync: tests hold a sync up to see what waits for it. */
    static EventQueue open(Path dir, int capacity, Sync sync) throws IOException {
        PrivateFiles.folder(dir);
        Path idFile = dir.resolve("queue-id");
        if (!Files.exists(idFile)) {
            DurableFiles.writeAtomically(idFile, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        }
        String id = Files.readString(idFile, StandardCharsets.UTF_8).strip();
        EventQueue queue = new EventQueue(dir, UUID.fromString(id).toString(), capacity, sync);
        queue.recover();
        return queue;
    }

    private void recover() throws IOException {
        Path ackFile = dir.resolve("acknowledged");
        if (Files.exists(ackFile)) {
            acknowledged = Long.parseLong(Files.readString(ackFile, StandardCharsets.UTF_8).strip());
        }
        lastSequence = acknowledged;
        log = PrivateFiles.open(dir.resolve("events.log"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = log.size();
        long position = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (position + HEADER <= size) {
            header.clear();
            log.read(header, position);
            header.flip();
            int length = header.getInt();
            int crc = header.getInt();
            if (length <= 0 || position + HEADER + length > size) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            log.read(body, position + HEADER);
            if (crc32c(body.array()) != crc) {
                break;
            }
            BoardEvent event;
            try {
                event = BoardEvent.parseFrom(body.array());
            } catch (InvalidProtocolBufferException e) {
                break;
            }
            lastSequence = Math.max(lastSequence, event.getSequence());
            if (event.getSequence() > acknowledged) {
                pending.addLast(event);
            }
            position += HEADER + length;
        }
        if (position < size) {
            LOG.warnf("event queue %s: cut off %d bytes of an event torn by an abrupt stop", dir, size - position);
            log.truncate(position);
        }
        // What a crash of the agent alone left unsynced is still in the system's cache: made durable before it is sent.
        log.force(true);
        log.position(position);
        durableSequence = lastSequence;
    }

    /**
     * Gives the event its sequence number and stores it durably. Returns the sequence, or 0 when a progress event was
     * not queued because the queue is full.
     *
     * @throws SyncFailed when the event was queued but not made durable
     * @throws IOException when the event could not be written, and so is not queued
     */
    public long append(BoardEvent event) throws IOException {
        // A FileChannel closes itself for every thread when one is interrupted in it (ClosedByInterruptException): a job
        // thread interrupted as the rig closes would leave the log closed. Its interrupt waits until the event is stored.
        boolean interrupted = Thread.interrupted();
        try {
            return appendUninterrupted(event);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private long appendUninterrupted(BoardEvent event) throws IOException {
        long sequence;
        synchronized (this) {
            if (pending.size() >= capacity && event.getChangeCase() == BoardEvent.ChangeCase.FLASH_PROGRESS) {
                if (!warnedFull) {
                    LOG.warnf("event queue holds %d events (the server is away): progress events are no longer queued", pending.size());
                    warnedFull = true;
                }
                return 0;
            }
            BoardEvent sequenced = event.toBuilder().setSequence(lastSequence + 1).build();
            long start = log.position();
            try {
                write(log, sequenced);
            } catch (IOException e) {
                // Recovery stops at the first torn record: a half-written one must not stay ahead of the next event.
                log.truncate(start);
                log.position(start);
                throw e;
            }
            lastSequence = sequenced.getSequence();
            pending.addLast(sequenced);
            sequence = lastSequence;
        }
        syncThrough(sequence);
        return sequence;
    }

    /**
     * Returns once {@code sequence} is durable: at once when a sync since its write covered it, otherwise after one sync
     * covering everything written so far. The first appender to find no sync going leads one; those who come while it
     * runs sleep until it ends, then return if it covered them, or lead (or wait for) the next. When the sync they slept
     * through failed and nothing since made their event durable, they fail as its leader did: the event stays queued,
     * and the next sync writes the log anew.
     */
    private void syncThrough(long sequence) throws SyncFailed {
        boolean interrupted = false;
        try {
            while (durableSequence < sequence) {
                boolean leads;
                long round;
                synchronized (this) {
                    if (durableSequence >= sequence) {
                        return;
                    }
                    leads = !syncLed;
                    syncLed = true;
                    round = syncsEnded;
                    if (!leads) {
                        sleepers.add(Thread.currentThread());
                    }
                }
                if (leads) {
                    // A FileChannel closes itself for every thread when one is interrupted in it: no interrupt may be set.
                    interrupted |= Thread.interrupted();
                    lead();
                    continue;
                }
                while (syncsEnded == round) {
                    LockSupport.park(this);
                    // An interrupt must not cut the wait short (the event would not be durable): it is kept for later.
                    interrupted |= Thread.interrupted();
                }
                synchronized (this) {
                    if (durableSequence < sequence && failedRound == round + 1) {
                        throw new SyncFailed(failure != null ? failure : new IOException("the sync failed"));
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Makes everything written so far durable, or writes the log anew after a failed sync; called by the appender that
     * set {@link #syncLed}. Wakes every sleeping appender when done, failed or not: each then looks for itself.
     */
    private void lead() throws SyncFailed {
        boolean failed = true;
        try {
            synchronized (syncing) {
                long target;
                FileChannel channel;
                synchronized (this) {
                    if (syncFailed) {
                        try {
                            rewrite();
                        } catch (IOException e) {
                            failure = e;
                            throw new SyncFailed(e);
                        }
                        failed = false;
                        return;
                    }
                    target = lastSequence;
                    channel = log;
                }
                try {
                    sync.force(channel);
                } catch (IOException e) {
                    synchronized (this) {
                        syncFailed = true;
                        failure = e;
                    }
                    throw new SyncFailed(e);
                } catch (RuntimeException | Error e) {
                    // Whatever broke the sync, what it was to cover is not known to be on disk: written anew next time.
                    synchronized (this) {
                        syncFailed = true;
                        failure = new IOException(e.toString(), e);
                    }
                    throw e;
                }
                synchronized (this) {
                    durableSequence = Math.max(durableSequence, target);
                }
                failed = false;
            }
        } finally {
            List<Thread> wake;
            synchronized (this) {
                syncLed = false;
                syncsEnded++;
                if (failed) {
                    failedRound = syncsEnded;
                }
                notifyAll();
                wake = List.copyOf(sleepers);
                sleepers.clear();
            }
            // Each woken at once, none waiting for another to get a core first.
            wake.forEach(LockSupport::unpark);
        }
    }

    /**
     * Tries again to make durable what a failed sync left behind, so that it does not wait for the next event. Only
     * then: every append syncs before it returns, so the link does not sync for the jobs in normal operation, nor wait
     * for their syncs.
     */
    private void retrySync() {
        long unsynced;
        synchronized (this) {
            unsynced = syncFailed && lastSequence > durableSequence ? lastSequence : 0;
        }
        if (unsynced == 0) {
            return;
        }
        try {
            syncThrough(unsynced);
            warnedRetry = false;
        } catch (SyncFailed e) {
            if (!warnedRetry) {
                LOG.warnf("%s; %d events wait to be sent until it succeeds", e.getMessage(), unsynced - durableSequence());
                warnedRetry = true;
            }
        }
    }

    /** Up to {@code max} durable, unacknowledged events with a sequence above {@code after}, in order. */
    public synchronized List<BoardEvent> after(long after, int max) {
        List<BoardEvent> batch = new ArrayList<>(Math.min(max, pending.size()));
        for (BoardEvent e : pending) {
            if (batch.size() == max || e.getSequence() > durableSequence) {
                break;
            }
            if (e.getSequence() > after) {
                batch.add(e);
            }
        }
        return batch;
    }

    /**
     * Waits, at most {@code timeout}, until a durable event with a sequence above {@code after} is queued or
     * {@link #wake} is called; returns at once when there already is one. Callers re-check their own conditions after it
     * returns. First tries again to sync what a failed sync left behind.
     */
    public void awaitAfter(long after, Duration timeout) throws InterruptedException {
        retrySync();
        synchronized (this) {
            if (durableSequence <= after && !timeout.isZero() && !timeout.isNegative()) {
                wait(Math.max(1, timeout.toMillis()));
            }
        }
    }

    /** Wakes whoever waits in {@link #awaitAfter}: something else they wait for happened (an acknowledgement, an error). */
    public synchronized void wake() {
        notifyAll();
    }

    /**
     * Drops every event at or below {@code through}: the server has committed them. Recorded without holding up the
     * jobs' appends; only cutting the log back, now and then, waits for a sync in progress.
     */
    public void acknowledge(long through) throws IOException {
        synchronized (acknowledging) {
            long upTo;
            synchronized (this) {
                upTo = Math.min(through, durableSequence);
                if (upTo <= acknowledged) {
                    return;
                }
            }
            DurableFiles.writeAtomically(dir.resolve("acknowledged"), Long.toString(upTo).getBytes(StandardCharsets.UTF_8));
            synchronized (syncing) {
                synchronized (this) {
                    acknowledged = upTo;
                    while (!pending.isEmpty() && pending.peekFirst().getSequence() <= upTo) {
                        pending.removeFirst();
                    }
                    if (pending.isEmpty() && log.size() > COMPACT_BYTES) {
                        log.truncate(0);
                        log.force(true);
                    } else if (log.size() > REWRITE_BYTES) {
                        rewrite();
                    }
                }
            }
        }
    }

    /**
     * Drops the oldest queued event, {@code sequence}, which the server will never commit and which has been recorded
     * as refused. It counts as acknowledged from now on, also after a restart: a server whose committed sequence is
     * lower (it never saw this event committed) does not bring it back, because an acknowledgement never goes down.
     *
     * @return false, dropping nothing, when {@code sequence} is not the oldest queued event
     */
    public boolean skipRefused(long sequence) throws IOException {
        synchronized (this) {
            if (pending.isEmpty() || pending.peekFirst().getSequence() != sequence) {
                return false;
            }
        }
        acknowledge(sequence);
        return true;
    }

    /**
     * Rewrites the log with only the unacknowledged events, replacing it atomically; called holding {@link #syncing}
     * and the queue's lock.
     */
    private void rewrite() throws IOException {
        Path fresh = dir.resolve("events.log.new");
        try (FileChannel out = PrivateFiles.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (BoardEvent e : pending) {
                write(out, e);
            }
            out.force(true);
        }
        // Replaced under the open channel (fine on macOS and Linux), so that a failed move leaves the old log in use.
        Files.move(fresh, dir.resolve("events.log"), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        DurableFiles.syncDirectory(dir);
        FileChannel replaced = log;
        log = FileChannel.open(dir.resolve("events.log"), StandardOpenOption.READ, StandardOpenOption.WRITE);
        log.position(log.size());
        replaced.close();
        // Every pending event, synced or not before, was just written and synced anew.
        durableSequence = lastSequence;
        syncFailed = false;
        notifyAll();
    }

    /** The queue's folder, where what belongs to its sequence numbers is kept. */
    public Path dir() {
        return dir;
    }

    public String queueId() {
        return queueId;
    }

    /** Events not yet acknowledged. */
    public synchronized int size() {
        return pending.size();
    }

    public synchronized long lastSequence() {
        return lastSequence;
    }

    private synchronized long durableSequence() {
        return durableSequence;
    }

    public synchronized long acknowledged() {
        return acknowledged;
    }

    @Override
    public void close() throws IOException {
        synchronized (syncing) {
            synchronized (this) {
                log.close();
            }
        }
    }

    /** Writes one record: length, CRC-32C, the event's bytes. */
    private static void write(FileChannel channel, BoardEvent event) throws IOException {
        byte[] bytes = event.toByteArray();
        ByteBuffer record = ByteBuffer.allocate(HEADER + bytes.length);
        record.putInt(bytes.length).putInt(crc32c(bytes)).put(bytes).flip();
        DurableFiles.writeFully(channel, record);
    }

    private static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
