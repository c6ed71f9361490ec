package io.flashrig.agent.job;

import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DETECTED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DONE;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FAILED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHING;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FUSING;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_INTERRUPTED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_REMOVED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_UNSPECIFIED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_WAITING_FOR_MAC;

import com.google.protobuf.Timestamp;
import io.flashrig.agent.programmer.Durations;
import io.flashrig.agent.programmer.FlashProgressTracker;
import io.flashrig.agent.programmer.OtpReading;
import io.flashrig.contract.MacAddress;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardDone;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.BoardInterrupted;
import io.flashrig.proto.rig.v1.BoardRemoved;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.MacVerified;
import io.flashrig.proto.rig.v1.MacWritten;
import io.flashrig.proto.rig.v1.OtpRead;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.proto.rig.v1.Slot;
import io.flashrig.proto.rig.v1.WaitingForMac;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One board's flash attempt as a state machine: detected → flashing → flashed → fusing (↔ waiting for MAC) → done,
 * or failed / interrupted, then removed when the board leaves. Each step has its own method; all of them go through one
 * private guarded transition, which refuses what the diagram does not allow and emits exactly one {@link BoardEvent}
 * per change, its free text cleaned.
 *
 * <p>The MAC's order lives here, not in the caller: inside FUSING the job knows how far the fuse got (read, written,
 * verified). A write may begin only once, and only after OTP read blank; MAC_WRITTEN needs that begun write, and
 * MAC_VERIFIED a written MAC or one found in OTP. A call out of that order throws {@link IllegalTransitionException}
 * and emits nothing: it is a bug, never a race.
 *
 * <p>Words for the end of a job: it is <em>settled</em> once its outcome is decided (done, failed, interrupted,
 * removed) and makes no more progress of its own; it is <em>over</em> once nothing at all happens to it any more
 * (interrupted or removed), and the rig forgets it. A settled job refuses the job thread's later steps quietly
 * ({@code false}), since another thread's input may settle it at any moment.
 *
 * <p>Other threads hand it inputs, never transitions: the watcher ({@link #attached}, {@link #detached},
 * {@link #sharedSerial}) and the absence timer ({@link #absenceOutlastedGrace}). It decides on them under its own lock,
 * knowing whether the board is on the bus and whether a programmer runs for it, because a board that leaves the bus
 * while its programmer runs is re-enumerating, not unplugged.
 */
public final class FlashJob {

    private static final Map<FlashJobState, Set<FlashJobState>> ALLOWED = new EnumMap<>(FlashJobState.class);

    static {
        ALLOWED.put(FLASH_JOB_STATE_UNSPECIFIED, EnumSet.of(FLASH_JOB_STATE_DETECTED));
        ALLOWED.put(FLASH_JOB_STATE_DETECTED, EnumSet.of(FLASH_JOB_STATE_FLASHING, FLASH_JOB_STATE_FAILED, FLASH_JOB_STATE_INTERRUPTED));
        ALLOWED.put(FLASH_JOB_STATE_FLASHING, EnumSet.of(FLASH_JOB_STATE_FLASHING, FLASH_JOB_STATE_FLASHED, FLASH_JOB_STATE_FAILED, FLASH_JOB_STATE_INTERRUPTED));
        ALLOWED.put(FLASH_JOB_STATE_FLASHED, EnumSet.of(FLASH_JOB_STATE_FUSING, FLASH_JOB_STATE_DONE, FLASH_JOB_STATE_FAILED, FLASH_JOB_STATE_INTERRUPTED));
        ALLOWED.put(FLASH_JOB_STATE_FUSING, EnumSet.of(FLASH_JOB_STATE_FUSING, FLASH_JOB_STATE_WAITING_FOR_MAC, FLASH_JOB_STATE_DONE, FLASH_JOB_STATE_FAILED, FLASH_JOB_STATE_INTERRUPTED));
        ALLOWED.put(FLASH_JOB_STATE_WAITING_FOR_MAC, EnumSet.of(FLASH_JOB_STATE_WAITING_FOR_MAC, FLASH_JOB_STATE_FUSING, FLASH_JOB_STATE_FAILED, FLASH_JOB_STATE_INTERRUPTED));
        ALLOWED.put(FLASH_JOB_STATE_DONE, EnumSet.of(FLASH_JOB_STATE_REMOVED));
        ALLOWED.put(FLASH_JOB_STATE_FAILED, EnumSet.of(FLASH_JOB_STATE_REMOVED));
        ALLOWED.put(FLASH_JOB_STATE_INTERRUPTED, EnumSet.noneOf(FlashJobState.class));
        ALLOWED.put(FLASH_JOB_STATE_REMOVED, EnumSet.noneOf(FlashJobState.class));
    }

    /**
     * How far the MAC fuse got. Internal: on the wire all of it is FUSING (or WAITING_FOR_MAC while the server is asked).
     * Only READ_BLANK lets a write begin, and nothing leads back to it, so a write can begin once at most.
     */
    private enum Fuse {
        /** OTP not read yet: nothing may be written or verified. */
        NOT_READ,
        /** Both words read blank: the one write may begin. */
        READ_BLANK,
        /** OTP already holds a MAC: it is never written, only verified. */
        READ_HOLDS,
        /** OTP reads neither blank nor a MAC: nothing is written, the job can only fail. */
        READ_UNUSABLE,
        /** The programmer was told to write {@link #fuseMac}; whatever happens next, never again. */
        WRITING,
        /** The write of {@link #fuseMac} succeeded; it still has to read back. */
        WRITTEN,
        /** OTP reads back {@link #fuseMac}. */
        VERIFIED
    }

    /** A step out of the order the diagram and the fuse allow: a bug in the caller, never a race. */
    public static final class IllegalTransitionException extends IllegalStateException {
        IllegalTransitionException(String message) {
            super(message);
        }
    }

    private final String serial;
    private final String attemptId;
    private final Slot slot;
    private final int productId;
    private final String product;
    private final Clock clock;
    private final Instant detectedAt;
    private final Consumer<BoardEvent> events;

    private FlashJobState state = FLASH_JOB_STATE_UNSPECIFIED;
    private Fuse fuse = Fuse.NOT_READ;
    private MacAddress fuseMac;
    private boolean present = true;
    private boolean programmerRunning;
    private boolean duplicate;
    private List<String> outputTail = List.of();
    private String doneMac = "";
    private Consumer<FlashJob> absentWhenIdle = job -> { };

    /**
     * Creates the job of a board that just appeared; it emits nothing until {@link #detected} announces it.
     *
     * @param serial the serial as the board reports it (also when it is invalid: the refusal is reported under it)
     * @param events receives every event, in order, while the job's lock is held
     */
    public FlashJob(String serial, Slot slot, int productId, String product, Clock clock, Consumer<BoardEvent> events) {
        this.serial = serial;
        this.attemptId = UUID.randomUUID().toString();
        this.slot = slot;
        this.productId = productId;
        this.product = product;
        this.clock = clock;
        this.detectedAt = clock.instant();
        this.events = events;
    }

    // ---- Steps of the job thread. Each returns false, emitting nothing, when the job settled meanwhile. ----

    /**
     * The job thread's first step: emits FLASH_JOB_STATE_DETECTED. It is the job thread's, not the watcher's, because
     * the event is made durable before this returns: a watcher that emitted it would keep every other board of its
     * listing waiting for this one's sync. Inputs handed in before it are kept and acted on here.
     *
     * @return false when the job cannot go on: another board reported its serial meanwhile, and it failed as a duplicate
     */
    public boolean detected() {
        boolean absent;
        boolean goesOn;
        synchronized (this) {
            require(state == FLASH_JOB_STATE_UNSPECIFIED, "a board is detected once");
            transition(FLASH_JOB_STATE_DETECTED, e -> e.setDetected(BoardDetected.newBuilder().setUsbProductId(productId).setProduct(product)));
            goesOn = !duplicate;
            if (!goesOn) {
                refuseAsDuplicate();
            }
            absent = !present;
        }
        if (absent) {
            // It left before it was announced, when its absence could not be judged yet: from now on it counts, also for
            // a duplicate, whose failed job would otherwise never be removed and would stand in for the board's next plug.
            absentWhenIdle.accept(this);
        }
        return goesOn;
    }

    /** The programmer starts writing the layout, on a rig without a release. */
    public boolean flashStarted(String layoutName, String layoutSha256, Path log) {
        return flashStarted(layoutName, layoutSha256, log, Optional.empty());
    }

    /** The programmer starts writing the layout; {@code release} is the one its image was verified against, if any. */
    public synchronized boolean flashStarted(String layoutName, String layoutSha256, Path log, Optional<ReleasePin> release) {
        if (settled()) {
            return false;
        }
        require(state == FLASH_JOB_STATE_DETECTED, "a board is flashed once");
        FlashStarted.Builder started = FlashStarted.newBuilder().setLayoutName(layoutName).setLayoutSha256(layoutSha256)
                .setLogPath(log.toString());
        release.ifPresent(r -> started.setReleaseName(r.getReleaseName()).setManifestSha256(r.getManifestSha256()));
        return transition(FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(started));
    }

    /**
     * The image on the rig is not {@code release} (or the release is retired): the board fails with IMAGE_MISMATCH
     * before any programmer runs for it, so nothing was written; {@code message} names the file that differs.
     */
    public synchronized boolean imageRefused(String message, ReleasePin release) {
        if (settled()) {
            return false;
        }
        require(state == FLASH_JOB_STATE_DETECTED, "the image is checked before the board is flashed");
        return transition(FLASH_JOB_STATE_FAILED, e -> e.setFailed(BoardFailed.newBuilder()
                .setReason(FailureReason.FAILURE_REASON_IMAGE_MISMATCH).setMessage(message + "; the board was not flashed")
                .setFailedInState(FLASH_JOB_STATE_DETECTED).setReleaseName(release.getReleaseName())
                .setManifestSha256(release.getManifestSha256())));
    }

    /** A partition's bar moved; only while flashing. */
    public synchronized boolean progress(FlashProgressTracker.Progress p) {
        if (settled()) {
            return false;
        }
        require(state == FLASH_JOB_STATE_FLASHING, "progress is reported only while flashing");
        return transition(FLASH_JOB_STATE_FLASHING, e -> e.setFlashProgress(FlashProgress.newBuilder().setPartitionId(p.partitionId())
                .setPartitionName(p.partitionName()).setPartitionPercent(p.partitionPercent()).setOverallPercent(p.overallPercent())));
    }

    /** The layout is on the board. */
    public synchronized boolean flashed(Duration took) {
        if (settled()) {
            return false;
        }
        require(state == FLASH_JOB_STATE_FLASHING, "only a flashing board becomes flashed");
        return transition(FLASH_JOB_STATE_FLASHED, e -> e.setFlashed(BoardFlashed.newBuilder().setFlashDuration(toProto(took))));
    }

    /** OTP words 57/58 were read, once, before anything is written: what they hold decides the rest of the fuse. */
    public synchronized boolean otpRead(OtpReading.Content content) {
        if (settled()) {
            return false;
        }
        require(state == FLASH_JOB_STATE_FLASHED && fuse == Fuse.NOT_READ, "OTP is read once, after flashing");
        MacAddress held = content instanceof OtpReading.Holds h ? h.mac() : null;
        transition(FLASH_JOB_STATE_FUSING, e -> e.setOtpRead(OtpRead.newBuilder().setBlank(content instanceof OtpReading.Blank)
                .setMac(held == null ? "" : held.canonical())));
        fuse = content instanceof OtpReading.Blank ? Fuse.READ_BLANK : held != null ? Fuse.READ_HOLDS : Fuse.READ_UNUSABLE;
        fuseMac = held;
        return true;
    }

    /** The server has not decided yet about this board's MAC; shown until it does. Only before anything is written. */
    public synchronized boolean waitingForMac(String message) {
        if (settled()) {
            return false;
        }
        require(fuse == Fuse.READ_BLANK || fuse == Fuse.READ_HOLDS, "the server is asked about a MAC after the OTP read, before any write");
        return transition(FLASH_JOB_STATE_WAITING_FOR_MAC, e -> e.setWaitingForMac(WaitingForMac.newBuilder().setMessage(message)));
    }

    /**
     * Claims the board's one OTP write of {@code mac}, to be called right before the programmer writes it: true once, only
     * after a blank read, while a programmer step is claimed. False (and nothing may be written) when the job settled
     * or another board reports its serial; the job then fails itself.
     *
     * @throws IllegalTransitionException when OTP was not read blank or a write already began
     */
    public synchronized boolean otpWriteBegins(MacAddress mac) {
        if (settled()) {
            return false;
        }
        require(fuse == Fuse.READ_BLANK, "a MAC is written once, and only after OTP read blank");
        require(programmerRunning, "a MAC is written only within a claimed programmer step");
        if (duplicate) {
            refuseAsDuplicate();
            return false;
        }
        fuse = Fuse.WRITING;
        fuseMac = mac;
        return true;
    }

    /** The write that {@link #otpWriteBegins} allowed succeeded. */
    public synchronized boolean macWritten(MacAddress mac) {
        if (settled()) {
            return false;
        }
        require(fuse == Fuse.WRITING && mac.equals(fuseMac), "MAC_WRITTEN follows the write begun for that MAC");
        transition(FLASH_JOB_STATE_FUSING, e -> e.setMacWritten(MacWritten.newBuilder().setMac(mac.canonical())));
        fuse = Fuse.WRITTEN;
        return true;
    }

    /** OTP holds {@code mac}: the one just written and read back, or the one found there that the job may keep. */
    public synchronized boolean macVerified(MacAddress mac) {
        if (settled()) {
            return false;
        }
        require((fuse == Fuse.WRITTEN || fuse == Fuse.READ_HOLDS) && mac.equals(fuseMac),
                "MAC_VERIFIED follows a written MAC or the one OTP was read to hold");
        transition(FLASH_JOB_STATE_FUSING, e -> e.setMacVerified(MacVerified.newBuilder().setMac(mac.canonical())));
        fuse = Fuse.VERIFIED;
        return true;
    }

    /** Finishes the job: right after flashing on a flash-only rig, or once its MAC is verified. */
    public synchronized boolean done() {
        if (settled()) {
            return false;
        }
        require((state == FLASH_JOB_STATE_FLASHED && fuse == Fuse.NOT_READ) || fuse == Fuse.VERIFIED,
                "a job is done after flashing (flash only) or once its MAC is verified");
        doneMac = fuse == Fuse.VERIFIED ? fuseMac.canonical() : "";
        return transition(FLASH_JOB_STATE_DONE, e -> e.setDone(BoardDone.newBuilder().setMac(doneMac)
                .setTotalDuration(toProto(Duration.between(detectedAt, clock.instant())))));
    }

    /** Fails the job; {@code tail} is the programmer's last output lines. */
    public synchronized boolean failed(FailureReason reason, String message, List<String> tail) {
        if (settled()) {
            return false;
        }
        FlashJobState failedIn = state;
        return transition(FLASH_JOB_STATE_FAILED, e -> e.setFailed(BoardFailed.newBuilder().setReason(reason).setMessage(message)
                .addAllProgrammerOutputTail(tail).setFailedInState(failedIn)));
    }

    // ---- Programmer steps: the gate claims one, the board must be on the bus. ----

    /**
     * Waits until the board is on the bus, at most the re-enumeration {@code grace}; true when it is and the job goes on.
     * When the grace runs out first, the absence is judged here as the timer would; a job settled meanwhile (e.g. as a
     * duplicate serial) runs no further programmer step.
     */
    public synchronized boolean awaitBoard(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!present && !settled()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                absenceOutlastedGrace();
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return present && !settled();
    }

    /**
     * Claims the board for one programmer step. False when the job has settled, or when another board reports its
     * serial: then the job fails as a duplicate. Decided under the lock with which {@link #sharedSerial} is taken, so no
     * step starts after that.
     */
    public synchronized boolean programmerStarting() {
        if (settled()) {
            return false;
        }
        if (duplicate) {
            refuseAsDuplicate();
            return false;
        }
        programmerRunning = true;
        return true;
    }

    /** The programmer step claimed by {@link #programmerStarting} is over; {@code tail} is its output's last lines. */
    public void programmerStopped(List<String> tail) {
        boolean absent;
        synchronized (this) {
            programmerRunning = false;
            outputTail = List.copyOf(tail);
            absent = !present;
        }
        if (absent) {
            // It left while the programmer ran; from now on its absence counts.
            absentWhenIdle.accept(this);
        }
    }

    /** Asks the job to go on only while the board's serial is its own; when it is not, the job fails as a duplicate. */
    public synchronized boolean serialStillItsOwn() {
        if (duplicate && !settled()) {
            refuseAsDuplicate();
        }
        return !duplicate && !settled();
    }

    // ---- Inputs from other threads: the job decides on them under its lock. ----

    public synchronized void attached() {
        present = true;
        notifyAll();
    }

    public synchronized void detached() {
        present = false;
    }

    /**
     * Another board reports the same serial: this job must not go on (above all, not write a MAC). It fails at once
     * unless a programmer runs for it (then it fails at its next step) or it is not announced yet (then it fails as it
     * is, in {@link #detected}).
     */
    public synchronized void sharedSerial() {
        duplicate = true;
        if (announced() && !settled() && !programmerRunning) {
            refuseAsDuplicate();
        }
    }

    /**
     * The board has been off the bus for the re-enumeration grace. Unless it came back or a programmer runs for it,
     * the job is over: INTERRUPTED while it was under way, REMOVED once it was done or had failed.
     *
     * @return whether the job is over now
     */
    public synchronized boolean absenceOutlastedGrace() {
        // Not announced yet: nothing to end; detected() has the absence judged again.
        if (present || programmerRunning || over() || !announced()) {
            return over();
        }
        FlashJobState in = state;
        if (in == FLASH_JOB_STATE_DONE || in == FLASH_JOB_STATE_FAILED) {
            transition(FLASH_JOB_STATE_REMOVED, e -> e.setRemoved(BoardRemoved.newBuilder().setFinalState(in).setMac(doneMac)));
        } else {
            transition(FLASH_JOB_STATE_INTERRUPTED, e -> e.setInterrupted(BoardInterrupted.newBuilder().setInterruptedInState(in)
                    .addAllProgrammerOutputTail(outputTail)));
        }
        return true;
    }

    /** Called when a programmer step ends while the board is off the bus, so that its absence gets judged. */
    public synchronized void onAbsentWhenIdle(Consumer<FlashJob> listener) {
        this.absentWhenIdle = listener;
    }

    // ---- What the job is. ----

    public synchronized FlashJobState state() {
        return state;
    }

    public synchronized boolean present() {
        return present;
    }

    public synchronized boolean programmerRunning() {
        return programmerRunning;
    }

    /** True when nothing more happens to this job (interrupted or removed): the rig forgets it. */
    public synchronized boolean over() {
        return state == FLASH_JOB_STATE_INTERRUPTED || state == FLASH_JOB_STATE_REMOVED;
    }

    /** True when the job's outcome is decided and it makes no more progress (done, failed, interrupted, removed). */
    public synchronized boolean settled() {
        return state == FLASH_JOB_STATE_DONE || state == FLASH_JOB_STATE_FAILED || over();
    }

    public String serial() {
        return serial;
    }

    public String attemptId() {
        return attemptId;
    }

    public Slot slot() {
        return slot;
    }

    public Instant detectedAt() {
        return detectedAt;
    }

    /** The state as operators read it: {@code FLASH_JOB_STATE_WAITING_FOR_MAC} → "waiting for MAC". */
    public static String name(FlashJobState s) {
        return WireNames.words(s);
    }

    @Override
    public String toString() {
        return "board " + serial + " (order " + slot.getPowerUpOrder() + ", " + name(state()) + ", "
                + Durations.format(Duration.between(detectedAt, clock.instant())) + ")";
    }

    static String duplicateMessage(String serial) {
        return "another board on the hub reports serial " + serial + ": neither can be told apart, so neither is flashed";
    }

    /** The job emitted its first event ({@link #detected}); before that no transition but that one is possible. */
    private boolean announced() {
        return state != FLASH_JOB_STATE_UNSPECIFIED;
    }

    private void refuseAsDuplicate() {
        failed(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, duplicateMessage(serial), List.of());
    }

    private void require(boolean allowed, String rule) {
        if (!allowed) {
            throw new IllegalTransitionException("board " + serial + " (" + name(state) + ", fuse " + fuse + "): " + rule);
        }
    }

    /** The one way the job changes state; the caller holds the lock. Emits the event and returns true. */
    private boolean transition(FlashJobState to, Consumer<BoardEvent.Builder> change) {
        require(ALLOWED.get(state).contains(to), name(state) + " cannot become " + name(to));
        Instant now = clock.instant();
        BoardEvent.Builder builder = BoardEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setSerial(serial)
                .setAttemptId(attemptId)
                .setSlot(slot)
                .setState(to);
        change.accept(builder);
        EventCleaner.clean(builder);
        state = to;
        events.accept(builder.build());
        notifyAll();
        return true;
    }

    static com.google.protobuf.Duration toProto(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
