package io.flashrig.agent.job;

import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DETECTED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DONE;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FAILED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHING;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_UNSPECIFIED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FUSING;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_INTERRUPTED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_REMOVED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_WAITING_FOR_MAC;

import com.google.protobuf.Timestamp;
import io.flashrig.agent.programmer.Durations;
import io.flashrig.proto.rig.v1.BoardDetected;
import io.flashrig.proto.rig.v1.BoardDone;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.BoardInterrupted;
import io.flashrig.proto.rig.v1.BoardRemoved;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.Slot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One board's flash attempt as a state machine: detected → flashing → flashed → fusing (↔ waiting for MAC) → done,
 * or failed / interrupted, then removed when the board leaves. Every change goes through {@link #transition}, which
 * refuses what the diagram does not allow and emits exactly one {@link BoardEvent} per change, its free text cleaned.
 *
 * <p>It also knows whether the board is on the bus and whether a programmer runs for it, because a board that leaves
 * the bus while its programmer runs is re-enumerating, not unplugged.
 */
public final class FlashJob {

    private static final Map<FlashJobState, Set<FlashJobState>> ALLOWED = new EnumMap<>(FlashJobState.class);
    private static final Map<BoardEvent.ChangeCase, FlashJobState> CHANGE_STATE = new EnumMap<>(BoardEvent.ChangeCase.class);

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

        CHANGE_STATE.put(BoardEvent.ChangeCase.DETECTED, FLASH_JOB_STATE_DETECTED);
        CHANGE_STATE.put(BoardEvent.ChangeCase.FLASH_STARTED, FLASH_JOB_STATE_FLASHING);
        CHANGE_STATE.put(BoardEvent.ChangeCase.FLASH_PROGRESS, FLASH_JOB_STATE_FLASHING);
        CHANGE_STATE.put(BoardEvent.ChangeCase.FLASHED, FLASH_JOB_STATE_FLASHED);
        CHANGE_STATE.put(BoardEvent.ChangeCase.OTP_READ, FLASH_JOB_STATE_FUSING);
        CHANGE_STATE.put(BoardEvent.ChangeCase.WAITING_FOR_MAC, FLASH_JOB_STATE_WAITING_FOR_MAC);
        CHANGE_STATE.put(BoardEvent.ChangeCase.MAC_WRITTEN, FLASH_JOB_STATE_FUSING);
        CHANGE_STATE.put(BoardEvent.ChangeCase.MAC_VERIFIED, FLASH_JOB_STATE_FUSING);
        CHANGE_STATE.put(BoardEvent.ChangeCase.DONE, FLASH_JOB_STATE_DONE);
        CHANGE_STATE.put(BoardEvent.ChangeCase.FAILED, FLASH_JOB_STATE_FAILED);
        CHANGE_STATE.put(BoardEvent.ChangeCase.INTERRUPTED, FLASH_JOB_STATE_INTERRUPTED);
        CHANGE_STATE.put(BoardEvent.ChangeCase.REMOVED, FLASH_JOB_STATE_REMOVED);
    }

    /** A change the state diagram does not allow. */
    public static final class IllegalTransitionException extends IllegalStateException {
        IllegalTransitionException(String message) {
            super(message);
        }
    }

    private final String serial;
    private final String attemptId;
    private final Slot slot;
    private final Clock clock;
    private final Instant detectedAt;
    private final Consumer<BoardEvent> events;

    private FlashJobState state = FLASH_JOB_STATE_UNSPECIFIED;
    private boolean present = true;
    private boolean programmerRunning;
    private boolean duplicate;
    private List<String> outputTail = List.of();
    private String mac = "";
    private Consumer<FlashJob> absentWhenIdle = job -> { };

    /**
     * Creates the job of a board that just appeared and emits its FLASH_JOB_STATE_DETECTED event.
     *
     * @param serial the serial as the board reports it (also when it is invalid: the refusal is reported under it)
     * @param events receives every event, in order, while the job's lock is held
     */
    public FlashJob(String serial, Slot slot, int productId, String product, Clock clock, Consumer<BoardEvent> events) {
        this.serial = serial;
        this.attemptId = UUID.randomUUID().toString();
        this.slot = slot;
        this.clock = clock;
        this.detectedAt = clock.instant();
        this.events = events;
        transition(FLASH_JOB_STATE_DETECTED, e -> e.setDetected(BoardDetected.newBuilder().setUsbProductId(productId).setProduct(product)));
    }

    /**
     * The one way the job changes state: checks that {@code to} may follow the current state and that the change
     * belongs to {@code to}, then emits the event.
     *
     * @param change fills in the event's change (exactly one of its {@code oneof} cases)
     * @return the event emitted
     * @throws IllegalTransitionException when the change is not allowed; nothing is emitted then
     */
    public synchronized BoardEvent transition(FlashJobState to, Consumer<BoardEvent.Builder> change) {
        if (!ALLOWED.get(state).contains(to)) {
            throw new IllegalTransitionException("board " + serial + ": " + name(state) + " cannot become " + name(to));
        }
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
        FlashJobState belongsTo = CHANGE_STATE.get(builder.getChangeCase());
        if (belongsTo != to) {
            throw new IllegalTransitionException("board " + serial + ": a " + builder.getChangeCase() + " change cannot make the job " + name(to));
        }
        BoardEvent event = builder.build();
        state = to;
        events.accept(event);
        notifyAll();
        return event;
    }

    /** Fails the job; {@code tail} is the programmer's last output lines. */
    public BoardEvent fail(FailureReason reason, String message, List<String> tail) {
        synchronized (this) {
            FlashJobState failedIn = state;
            return transition(FLASH_JOB_STATE_FAILED, e -> e.setFailed(BoardFailed.newBuilder().setReason(reason).setMessage(message)
                    .addAllProgrammerOutputTail(tail).setFailedInState(failedIn)));
        }
    }

    /** Finishes the job; {@code doneMac} is empty when the rig runs flash-only. */
    public BoardEvent done(String doneMac) {
        synchronized (this) {
            this.mac = doneMac;
            return transition(FLASH_JOB_STATE_DONE, e -> e.setDone(BoardDone.newBuilder().setMac(doneMac)
                    .setTotalDuration(toProto(Duration.between(detectedAt, clock.instant())))));
        }
    }

    /**
     * The board has been gone for longer than a re-enumeration and no programmer runs for it: FLASH_JOB_STATE_INTERRUPTED while the
     * job was under way, FLASH_JOB_STATE_REMOVED once it had ended. Returns false when neither applies any more (it came back).
     */
    public synchronized boolean leftTheHub() {
        if (present || programmerRunning) {
            return false;
        }
        if (state == FLASH_JOB_STATE_DONE || state == FLASH_JOB_STATE_FAILED) {
            FlashJobState finalState = state;
            transition(FLASH_JOB_STATE_REMOVED, e -> e.setRemoved(BoardRemoved.newBuilder().setFinalState(finalState).setMac(mac)));
            return true;
        }
        if (state == FLASH_JOB_STATE_INTERRUPTED || state == FLASH_JOB_STATE_REMOVED) {
            return true;
        }
        FlashJobState in = state;
        transition(FLASH_JOB_STATE_INTERRUPTED, e -> e.setInterrupted(BoardInterrupted.newBuilder().setInterruptedInState(in).addAllProgrammerOutputTail(outputTail)));
        return true;
    }

    public synchronized void attached() {
        present = true;
        notifyAll();
    }

    public synchronized void detached() {
        present = false;
    }

    /**
     * Waits until the board is on the bus again, at most {@code timeout}; true when it is and the job can still go on
     * (a job failed meanwhile, e.g. as a duplicate serial, must not run another programmer step).
     */
    public synchronized boolean awaitPresent(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!present && !finished()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return present && !finished();
    }

    /**
     * Claims the board for one programmer step. False when the job has finished or another board reports its serial:
     * checked under the same lock with which {@link Rig} refuses a duplicate, so no step starts after that refusal.
     */
    public synchronized boolean startProgrammer() {
        if (finished() || duplicate) {
            return false;
        }
        programmerRunning = true;
        return true;
    }

    /** Marks that a programmer process runs (or ran) for this board; a vanishing board then is not unplugged. */
    public void programmerRunning(boolean running, List<String> tail) {
        boolean checkAbsence;
        synchronized (this) {
            programmerRunning = running;
            if (!running) {
                outputTail = List.copyOf(tail);
            }
            checkAbsence = !running && !present;
        }
        if (checkAbsence) {
            // It left while the programmer ran; from now on its absence counts.
            absentWhenIdle.accept(this);
        }
    }

    /** Called when the programmer ends while the board is off the bus, so that its absence gets judged. */
    public synchronized void onAbsentWhenIdle(Consumer<FlashJob> listener) {
        this.absentWhenIdle = listener;
    }

    /** Another board reports the same serial: this job must not go on (above all, not write a MAC). */
    public synchronized void markDuplicate() {
        duplicate = true;
    }

    public synchronized boolean duplicate() {
        return duplicate;
    }

    public synchronized FlashJobState state() {
        return state;
    }

    public synchronized boolean present() {
        return present;
    }

    public synchronized boolean programmerRunning() {
        return programmerRunning;
    }

    /** True when nothing more happens to this job (interrupted or removed). */
    public synchronized boolean ended() {
        return state == FLASH_JOB_STATE_INTERRUPTED || state == FLASH_JOB_STATE_REMOVED;
    }

    /** True when the job will make no more progress of its own (done, failed, interrupted, removed). */
    public synchronized boolean finished() {
        return state == FLASH_JOB_STATE_DONE || state == FLASH_JOB_STATE_FAILED || ended();
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

    static com.google.protobuf.Duration toProto(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    /** The state as operators read it: {@code FLASH_JOB_STATE_WAITING_FOR_MAC} → "waiting for MAC". */
    public static String name(FlashJobState s) {
        return s.name().replace("FLASH_JOB_STATE_", "").replace('_', ' ').toLowerCase(java.util.Locale.ROOT).replace("mac", "MAC");
    }

    @Override
    public String toString() {
        return "board " + serial + " (order " + slot.getPowerUpOrder() + ", " + name(state) + ", " + Durations.format(Duration.between(detectedAt, clock.instant())) + ")";
    }
}
