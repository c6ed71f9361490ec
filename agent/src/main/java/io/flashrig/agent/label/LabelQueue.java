package io.flashrig.agent.label;

import io.flashrig.agent.state.DurableFiles;
import io.flashrig.agent.state.PrivateFiles;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The labels of boards whose MAC was verified, on their way to the printer: one label per board per verified MAC,
 * printed on a thread of its own, never on a job's, so that a printer that is away neither fails nor holds up a board.
 *
 * <p>Every label goes into a journal in the state directory before it is sent, and is marked sent right after the
 * printer took it, so that a label survives a restart and a label already sent is not sent again. A crash in the
 * moment between the printer taking a label and the mark reaching the disk prints that one label twice after the
 * restart; a missing label would be worse, since boards without one look like boards that were never flashed. The
 * journal is bounded: at most {@code capacity} labels wait (more are dropped, and the operator told to reprint them),
 * and the last {@code remembered} sent labels are known, so that a board plugged in again gets no second label.
 *
 * <p>A label waits while the printer is away, retried after a backoff that doubles from {@code backoffMin} to
 * {@code backoffMax}; labels are printed in the order their MACs were verified.
 *
 * <p>The bound holds for the labels handed in and not yet journalled too: at most {@code capacity} wait in all, and a
 * label beyond is dropped at once, with the same notice. Labels only pile up in memory while the printing thread does
 * not take them, that is while it is dead or hung, and then an agent that flashes on for a shift should neither run
 * out of memory nor let the operator believe that labels will come: a dropped label is said, with the command that
 * reprints it. The thread does not die of what printing throws, Errors included (a printer or layout bug, a class
 * missing from a native image): the label waits and is retried after {@code backoffMax}, as for a printer away. Only
 * a {@link VirtualMachineError} (out of memory, say) ends it, since carrying on in a loop is then the worst choice;
 * that is logged as an error, and the next label handed in starts a new thread, which takes up what waits.
 */
public final class LabelQueue implements Consumer<BoardEvent>, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LabelQueue.class);

    private static final String QUEUED = "Q";
    private static final String SENT = "S";
    private static final String RIG = "R";
    /** How much longer than a print can take {@link #close()} waits for one under way, so that it sees the print end. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(2);

    /** The settings of a queue. */
    public record Settings(int capacity, int remembered, Duration backoffMin, Duration backoffMax, ZoneId zone) {
    }

    private final Path file;
    private final Settings settings;
    private final LabelPrinter printer;
    private final ZplLabel layout;
    private final Supplier<String> rigName;
    private final Consumer<LabelNotice> notices;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /**
     * Held while the journal is written, swapped or closed, and taken before {@link #lock} where both are held, so that
     * {@link #close()} never closes the journal under a line being written.
     */
    private final ReentrantLock journalLock = new ReentrantLock();
    /** Labels handed in by the jobs, not yet in the journal: taking one must cost a job nothing but this lock. */
    private final Deque<Label> intake = new ArrayDeque<>();
    /** Replaced by a new one, under {@link #lock}, when a label is handed in after it died. */
    private Thread worker;
    private boolean closed;
    /** The worker's count of journalled labels, for {@link #waiting} on other threads. */
    private int pendingCount;

    // Only the worker thread touches these after open().
    private final Map<String, Label> pending = new LinkedHashMap<>();
    private final Set<String> sent = new LinkedHashSet<>();
    private String lastRig = "";
    // Guarded by journalLock.
    private FileChannel journal;
    private int journalLines;
    private boolean journalClosed;

    private Duration backoff;
    private Instant nextAttempt = Instant.MIN;
    private boolean printerAway;

    private LabelQueue(Path file, Settings settings, LabelPrinter printer, ZplLabel layout, Supplier<String> rigName,
            Consumer<LabelNotice> notices) {
        this.file = file;
        this.settings = settings;
        this.printer = printer;
        this.layout = layout;
        this.rigName = rigName;
        this.notices = notices;
        this.backoff = settings.backoffMin();
        this.worker = newWorker();
    }

    private Thread newWorker() {
        Thread thread = new Thread(this::work, "label-printer");
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Opens the journal at {@code file} (created if missing) and starts printing what it holds.
     *
     * @param rigName the rig's name as the server gave it, empty while it has not
     * @param notices told of every label's state, on the queue's thread (on the caller's for one dropped as it is
     *     handed in)
     */
    public static LabelQueue open(Path file, Settings settings, LabelPrinter printer, ZplLabel layout,
            Supplier<String> rigName, Consumer<LabelNotice> notices) throws IOException {
        LabelQueue queue = new LabelQueue(file, settings, printer, layout, rigName, notices);
        queue.replay();
        queue.compact();
        queue.worker.start();
        return queue;
    }

    /** Takes a board's verified MAC from the rig's events; other events are not a label's business. */
    @Override
    public void accept(BoardEvent event) {
        if (event.hasMacVerified()) {
            verified(new Label(event.getSerial(), event.getMacVerified().getMac(),
                    Instant.ofEpochSecond(event.getOccurredAt().getSeconds(), event.getOccurredAt().getNanos()), ""));
        }
    }

    /** Hands in a board's label; returns at once, whatever the printer does. */
    public void verified(Label label) {
        int full = -1;
        Thread restarted = null;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (pendingCount + intake.size() >= settings.capacity()) {
                full = pendingCount + intake.size();
            } else {
                intake.addLast(label);
                changed.signalAll();
            }
            if (!worker.isAlive()) {
                worker = newWorker();
                restarted = worker;
            }
        } finally {
            lock.unlock();
        }
        if (restarted != null) {
            LOG.warnf("the label printing thread had stopped; it is started again");
            restarted.start();
        }
        if (full >= 0) {
            drop(label, full);
        }
    }

    /** How many labels wait for the printer (journalled or just handed in). */
    public int waiting() {
        lock.lock();
        try {
            return pendingCount + intake.size();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        try {
            printUntilClosed();
        } catch (VirtualMachineError e) {
            LOG.errorf(e, "the label printing thread stopped; %d label(s) wait, and the next label handed in starts it again",
                    pending.size());
        }
    }

    private void printUntilClosed() {
        while (true) {
            lock.lock();
            try {
                while (!closed && intake.isEmpty() && (pending.isEmpty() || Instant.now().isBefore(nextAttempt))) {
                    if (pending.isEmpty()) {
                        changed.await();
                    } else {
                        changed.await(Math.max(1, Duration.between(Instant.now(), nextAttempt).toMillis()), TimeUnit.MILLISECONDS);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                // Labels handed in before close() are journalled even then: close() waits for it, and they print after
                // the restart instead of being lost.
                journalHandedIn();
                if (isClosed()) {
                    return;
                }
                if (!pending.isEmpty() && !Instant.now().isBefore(nextAttempt)) {
                    printNext();
                }
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                // Whatever went wrong, the labels stay queued and this thread goes on: a label never stops the rig.
                LOG.errorf(e, "printing labels failed unexpectedly; %d label(s) wait", pending.size());
                nextAttempt = Instant.now().plus(settings.backoffMax());
            }
        }
    }

    /** Takes what the jobs handed in into the journal; holding the journal throughout, so close() cannot cut in. */
    private void journalHandedIn() {
        journalLock.lock();
        try {
            takeIntake().forEach(this::take);
        } finally {
            journalLock.unlock();
        }
    }

    private List<Label> takeIntake() {
        lock.lock();
        try {
            List<Label> handedIn = new ArrayList<>(intake);
            intake.clear();
            return handedIn;
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Journals a handed-in label, unless its board already has (or waits for) this MAC's label. */
    private void take(Label label) {
        String key = label.key();
        if (sent.contains(key)) {
            notices.accept(new LabelNotice(label.serial(), label.mac(), LabelNotice.State.PRINTED, "printed before"));
            return;
        }
        if (pending.containsKey(key)) {
            return;
        }
        if (pending.size() >= settings.capacity()) {
            drop(label, pending.size());
            return;
        }
        try {
            append(queuedLine(label));
        } catch (IOException e) {
            LOG.errorf("the label of board %s cannot be kept in %s (%s); it is printed if the printer takes it before"
                    + " the agent stops", label.serial(), file, e.getMessage());
        }
        putPending(label);
        notices.accept(new LabelNotice(label.serial(), label.mac(), LabelNotice.State.QUEUED, printerAway
                ? "the printer " + printer.name() + " is away" : ""));
    }

    private void drop(Label label, int held) {
        String why = "the label queue holds " + held + " labels, as many as it may: reprint this one with"
                + " flashrig-agent label " + label.serial();
        LOG.warnf("no label for board %s: %s", label.serial(), why);
        notices.accept(new LabelNotice(label.serial(), label.mac(), LabelNotice.State.DROPPED, why));
    }

    private void printNext() {
        Label label = pending.values().iterator().next();
        String rig = rigName.get();
        if (!rig.isEmpty() && !rig.equals(lastRig)) {
            lastRig = rig;
            try {
                append(RIG, encode(rig));
            } catch (IOException e) {
                LOG.warnf("the rig's name cannot be kept in %s (%s); labels printed while the server is away after a"
                        + " restart may lack it", file, e.getMessage());
            }
        }
        if (label.rig().isEmpty()) {
            label = label.withRig(lastRig);
        }
        try {
            printer.print(layout.render(label, settings.zone()));
        } catch (IOException e) {
            if (!printerAway) {
                LOG.warnf("the label printer %s cannot be reached (%s); %d label(s) wait and are retried", printer.name(),
                        e.getMessage(), pending.size());
            }
            printerAway = true;
            nextAttempt = Instant.now().plus(backoff);
            backoff = backoff.multipliedBy(2).compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : backoff.multipliedBy(2);
            return;
        }
        if (printerAway) {
            LOG.infof("the label printer %s takes labels again", printer.name());
        }
        printerAway = false;
        backoff = settings.backoffMin();
        nextAttempt = Instant.MIN;
        try {
            append(SENT, label.serial(), label.mac());
        } catch (IOException e) {
            // It is printed: not printing it again now matters more than the mark, which only a restart needs.
            LOG.errorf("the label of board %s is printed, but %s cannot record it (%s); a restart prints it again",
                    label.serial(), file, e.getMessage());
        }
        removePending(label.key());
        remember(label.key());
        notices.accept(new LabelNotice(label.serial(), label.mac(), LabelNotice.State.PRINTED, ""));
        if (journalLines > 2 * (settings.capacity() + settings.remembered()) + 16) {
            try {
                compact();
            } catch (IOException e) {
                LOG.warnf("the label queue %s cannot be compacted (%s); it is appended to as it is", file, e.getMessage());
            }
        }
    }

    private void putPending(Label label) {
        pending.put(label.key(), label);
        setPendingCount(pending.size());
    }

    private void removePending(String key) {
        pending.remove(key);
        setPendingCount(pending.size());
    }

    private void setPendingCount(int count) {
        lock.lock();
        try {
            pendingCount = count;
        } finally {
            lock.unlock();
        }
    }

    private void remember(String key) {
        sent.add(key);
        Iterator<String> oldest = sent.iterator();
        while (sent.size() > settings.remembered()) {
            oldest.next();
            oldest.remove();
        }
    }

    /** Reads the journal; a line torn by a crash mid-write is the last one and is left out. */
    private void replay() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            lines = List.of();
        }
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            try {
                switch (f[0]) {
                    case QUEUED -> {
                        Label label = new Label(f[1], f[2], Instant.ofEpochMilli(Long.parseLong(f[3])), decode(f[4]));
                        if (!sent.contains(label.key())) {
                            putPending(label);
                        }
                    }
                    case SENT -> {
                        String key = new Label(f[1], f[2], Instant.EPOCH, "").key();
                        removePending(key);
                        remember(key);
                    }
                    case RIG -> lastRig = decode(f[1]);
                    default -> LOG.warnf("a line of the label queue %s is not understood and left out", file);
                }
            } catch (RuntimeException e) {
                LOG.warnf("a line of the label queue %s is damaged (%s) and left out", file, e.getMessage());
            }
        }
    }

    /**
     * Rewrites the journal with only what it must keep, then appends to it; under the journal's lock, so that no line is
     * written to the file being replaced. The new journal is written whole and forced to disk before it is renamed over
     * the old one, so a crash leaves one or the other; and it is appended to through the channel that wrote it, since
     * opening the file again after the rename could fail and leave the queue appending to a file no longer in the folder.
     */
    private void compact() throws IOException {
        StringBuilder sb = new StringBuilder();
        List<String[]> kept = new ArrayList<>();
        if (!lastRig.isEmpty()) {
            kept.add(new String[] {RIG, encode(lastRig)});
        }
        for (String key : sent) {
            kept.add(new String[] {SENT, key.substring(0, key.indexOf(' ')), key.substring(key.indexOf(' ') + 1)});
        }
        for (Label l : pending.values()) {
            kept.add(queuedLine(l));
        }
        kept.forEach(f -> sb.append(String.join("\t", f)).append('\n'));
        journalLock.lock();
        try {
            if (journalClosed) {
                // A print close() gave up on ended: the journal belongs to the next start now.
                return;
            }
            PrivateFiles.folder(file.toAbsolutePath().getParent());
            FileChannel next = DurableFiles.writeForAppending(file, sb.toString().getBytes(StandardCharsets.UTF_8));
            FileChannel old = journal;
            journal = next;
            journalLines = kept.size();
            if (old != null) {
                old.close();
            }
            DurableFiles.syncDirectory(file.toAbsolutePath().getParent());
        } finally {
            journalLock.unlock();
        }
    }

    private void append(String... fields) throws IOException {
        journalLock.lock();
        try {
            if (journalClosed) {
                // close() gave up waiting for a print: what this line would say, the journal's older lines say safely.
                throw new IOException("the label queue is closed");
            }
            long end = journal.size();
            try {
                DurableFiles.writeFully(journal, ByteBuffer.wrap((String.join("\t", fields) + "\n").getBytes(StandardCharsets.UTF_8)));
                journal.force(false);
            } catch (IOException e) {
                // A part-written line would run into the next one: the journal goes back to its last whole line.
                try {
                    journal.truncate(end);
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
            journalLines++;
        } finally {
            journalLock.unlock();
        }
    }

    private static String[] queuedLine(Label label) {
        return new String[] {QUEUED, label.serial(), label.mac(), Long.toString(label.verifiedAt().toEpochMilli()), encode(label.rig())};
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /**
     * Stops printing; what waits stays in the journal for the next start. A print under way is waited for, a while: a
     * label the printer took but that is not yet marked sent stays in the journal and is printed again after the
     * restart, the one label a stop may print twice; a label is never lost to a stop.
     */
    @Override
    public void close() {
        close(stopWait());
    }

    /** How long {@link #close()} waits for a print under way: longer than the printer's longest print. */
    Duration stopWait() {
        return printer.longestPrint().plus(STOP_MARGIN);
    }

    void close(Duration wait) {
        Thread printing;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
            printing = worker;
        } finally {
            lock.unlock();
        }
        try {
            printing.join(Math.max(1, wait.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journalLock.lock();
        try {
            if (printing.isAlive()) {
                LOG.warnf("the label printer %s did not finish its label within %s; it is printed again after the restart",
                        printer.name(), wait);
            }
            // What a worker held by the printer (or ended by an Error) has not taken waits for the next start.
            for (Label label : takeIntake()) {
                try {
                    append(queuedLine(label));
                } catch (IOException e) {
                    LOG.errorf("the label of board %s cannot be kept in %s (%s); reprint it with flashrig-agent label %s",
                            label.serial(), file, e.getMessage(), label.serial());
                }
            }
            journalClosed = true;
            if (journal != null) {
                journal.close();
            }
        } catch (IOException e) {
            // Every line was forced to disk when it was written.
        } finally {
            journalLock.unlock();
        }
    }
}
