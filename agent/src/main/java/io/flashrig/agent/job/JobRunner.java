package io.flashrig.agent.job;

import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHED;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FLASHING;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FUSING;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_WAITING_FOR_MAC;

import io.flashrig.agent.programmer.Durations;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.agent.release.ReleaseCheck;
import io.flashrig.agent.programmer.FlashProgressTracker;
import io.flashrig.agent.programmer.OtpReading;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.BoardFlashed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashProgress;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.proto.rig.v1.MacVerified;
import io.flashrig.proto.rig.v1.MacWritten;
import io.flashrig.proto.rig.v1.OtpRead;
import io.flashrig.proto.rig.v1.WaitingForMac;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.jboss.logging.Logger;

/**
 * Drives one job through flash and MAC fusing. The MAC rules: read OTP first; write only when both words read blank and
 * only a MAC the server assigned; record the intent durably before the write; never retry a write; read back to verify.
 */
final class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    /** A progress event is emitted each time a partition's bar moves by this much, so the queue is not flooded. */
    private static final int PROGRESS_STEP = 10;

    private final Programmer programmer;
    private final MacAuthority macs;
    private final OtpIntents intents;
    private final JobSettings settings;
    private final Semaphore programmers;

    JobRunner(Programmer programmer, MacAuthority macs, OtpIntents intents, JobSettings settings, Semaphore programmers) {
        this.programmer = programmer;
        this.macs = macs;
        this.intents = intents;
        this.settings = settings;
        this.programmers = programmers;
    }

    /** A step needing the programmer; it runs while a permit is held and the board is on the bus. */
    private interface Step<T> {
        T run() throws InterruptedException;
    }

    void run(FlashJob job, BoardSerial serial, Path log) {
        try {
            if (!flash(job, serial, log)) {
                return;
            }
            if (!settings.fuse()) {
                job.done("");
                return;
            }
            fuse(job, serial, log);
        } catch (InterruptedException e) {
            // The agent is stopping; the job stays where it is and the OTP read decides on the next run.
            Thread.currentThread().interrupt();
        } catch (FlashJob.IllegalTransitionException e) {
            if (!job.finished()) {
                throw e;
            }
            // The board left the hub meanwhile; its job already ended.
        }
    }

    private boolean flash(FlashJob job, BoardSerial serial, Path log) throws InterruptedException {
        Optional<ImageGate.Flash> image = ReleaseCheck.beforeFlash(settings.imageGate(), job);
        if (image.isEmpty()) {
            return false;
        }
        FlashLayout layout = image.get().layout();
        FlashProgressTracker tracker = new FlashProgressTracker(layout);
        int[] last = {-PROGRESS_STEP};
        String[] lastPartition = {""};
        Optional<ProgrammerRun> maybeRun = withProgrammer(job, () -> {
            job.transition(FLASH_JOB_STATE_FLASHING, e -> e.setFlashStarted(ReleaseCheck.started(image.get(), FlashStarted.newBuilder()
                    .setLayoutName(layout.name()).setLayoutSha256(layout.sha256()).setLogPath(log.toString()))));
            return programmer.flash(serial, layout, log, line -> tracker.accept(line).ifPresent(p -> {
                boolean newPartition = !p.partitionId().equals(lastPartition[0]);
                if (newPartition || p.partitionPercent() >= last[0] + PROGRESS_STEP || p.partitionPercent() == 100) {
                    lastPartition[0] = p.partitionId();
                    last[0] = p.partitionPercent();
                    job.transition(FLASH_JOB_STATE_FLASHING, e -> e.setFlashProgress(FlashProgress.newBuilder().setPartitionId(p.partitionId())
                            .setPartitionName(p.partitionName()).setPartitionPercent(p.partitionPercent()).setOverallPercent(p.overallPercent())));
                }
            }));
        });
        if (maybeRun.isEmpty()) {
            return false;
        }
        ProgrammerRun run = maybeRun.get();
        if (run.succeeded()) {
            job.transition(FLASH_JOB_STATE_FLASHED, e -> e.setFlashed(BoardFlashed.newBuilder().setFlashDuration(FlashJob.toProto(run.elapsed()))));
            return true;
        }
        if (run.startFailure().isPresent()) {
            job.fail(FailureReason.FAILURE_REASON_PROGRAMMER_NOT_STARTED, run.failureMessage(), run.tail());
        } else if (run.timedOut()) {
            job.fail(FailureReason.FAILURE_REASON_TIMEOUT, run.failureMessage(), run.tail());
        } else {
            failUnlessUnplugged(job, FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, run.failureMessage(), run.tail());
        }
        return false;
    }

    private void fuse(FlashJob job, BoardSerial serial, Path log) throws InterruptedException {
        Optional<Programmer.OtpRead> read = withProgrammer(job, () -> programmer.readOtp(serial, log));
        if (read.isEmpty()) {
            return;
        }
        if (read.get().reading().isEmpty()) {
            failUnlessUnplugged(job, FailureReason.FAILURE_REASON_OTP_READ_FAILED, "reading OTP words 57/58 failed: " + read.get().run().failureMessage(),
                    read.get().run().tail());
            return;
        }
        OtpReading.Content content = read.get().reading().get().content();
        job.transition(FLASH_JOB_STATE_FUSING, e -> e.setOtpRead(OtpRead.newBuilder().setBlank(content instanceof OtpReading.Blank)
                .setMac(content instanceof OtpReading.Holds h ? h.mac().canonical() : "")));
        if (content instanceof OtpReading.Inconsistent inconsistent) {
            job.fail(FailureReason.FAILURE_REASON_OTP_INCONSISTENT, inconsistent.reason() + "; nothing was written, the board needs an engineer",
                    read.get().run().tail());
        } else if (content instanceof OtpReading.Holds holds) {
            adoptExisting(job, serial, holds.mac());
        } else {
            writeAssigned(job, serial, log);
        }
    }

    /** OTP already holds a MAC: never written again. Our own earlier write (after a crash) or the server's verdict. */
    private void adoptExisting(FlashJob job, BoardSerial serial, MacAddress found) throws InterruptedException {
        boolean ours = intents.intended(serial).filter(found::equals).isPresent();
        if (!ours) {
            Optional<?> verdict = askUntilAnswered(job, () -> macs.report(serial, found, job.attemptId()));
            if (verdict.isEmpty()) {
                return;
            }
        }
        verified(job, serial, found);
    }

    private void writeAssigned(FlashJob job, BoardSerial serial, Path log) throws InterruptedException {
        Optional<MacAddress> claimed = claimTheWrite(job, serial);
        if (claimed.isEmpty()) {
            return;
        }
        MacAddress mac = claimed.get();
        Optional<ProgrammerRun> written = withProgrammer(job, () -> programmer.writeOtp(serial, mac, log));
        if (written.isEmpty()) {
            return;
        }
        ProgrammerRun write = written.get();
        if (!write.succeeded()) {
            job.fail(FailureReason.FAILURE_REASON_OTP_WRITE_FAILED, "writing MAC " + mac + " to OTP failed: " + write.failureMessage()
                    + "; the write is never retried, the board needs an engineer", write.tail());
            return;
        }
        job.transition(FLASH_JOB_STATE_FUSING, e -> e.setMacWritten(MacWritten.newBuilder().setMac(mac.canonical())));
        Optional<Programmer.OtpRead> back = withProgrammer(job, () -> programmer.readOtp(serial, log));
        if (back.isEmpty()) {
            return;
        }
        Optional<OtpReading.Content> content = back.get().reading().map(OtpReading::content);
        if (content.isPresent() && content.get() instanceof OtpReading.Holds holds && holds.mac().equals(mac)) {
            verified(job, serial, mac);
        } else {
            String what = content.map(c -> c instanceof OtpReading.Holds h ? "OTP reads back " + h.mac()
                    : c instanceof OtpReading.Inconsistent i ? i.reason() : "OTP reads back blank")
                    .orElse("reading OTP back failed: " + back.get().run().failureMessage());
            job.fail(FailureReason.FAILURE_REASON_MAC_VERIFY_FAILED, "wrote MAC " + mac + " but " + what, back.get().run().tail());
        }
    }

    /**
     * Gets the board's MAC and claims its one OTP write from the server, under a write id made durable first (an
     * earlier attempt's, after a restart, so that its claim is resumed rather than refused). Empty when the job ended.
     */
    private Optional<MacAddress> claimTheWrite(FlashJob job, BoardSerial serial) throws InterruptedException {
        Optional<MacAddress> assigned = askUntilAnswered(job, () -> macs.assign(serial, job.attemptId()));
        if (assigned.isEmpty()) {
            return Optional.empty();
        }
        MacAddress mac = assigned.get();
        if (job.duplicate()) {
            job.fail(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, duplicateMessage(serial.value()), List.of());
            return Optional.empty();
        }
        Optional<OtpIntents.Intent> earlier = intents.intent(serial).filter(i -> i.mac().equals(mac));
        OtpIntents.Intent intent = earlier.orElseGet(() -> new OtpIntents.Intent(mac, job.attemptId()));
        if (earlier.isEmpty()) {
            try {
                intents.record(serial, intent);
            } catch (IOException e) {
                job.fail(FailureReason.FAILURE_REASON_OTP_WRITE_FAILED, "the write intent could not be made durable (" + e.getMessage()
                        + "); nothing was written", List.of());
                return Optional.empty();
            }
        }
        Optional<MacAddress> claimed = askUntilAnswered(job, () -> macs.claimWrite(serial, mac, intent.writeId(), job.attemptId()));
        if (claimed.isPresent() && job.duplicate()) {
            job.fail(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, duplicateMessage(serial.value()), List.of());
            return Optional.empty();
        }
        return claimed;
    }

    private void verified(FlashJob job, BoardSerial serial, MacAddress mac) {
        job.transition(FLASH_JOB_STATE_FUSING, e -> e.setMacVerified(MacVerified.newBuilder().setMac(mac.canonical())));
        try {
            intents.clear(serial);
        } catch (IOException e) {
            // A stale intent naming the MAC the board holds does no harm: it only lets a later read recognise it.
            LOG.warnf("could not remove the OTP write intent of %s: %s", serial, e.getMessage());
        }
        job.done(mac.canonical());
    }

    /** Asks the server until it decides; meanwhile the board waits visibly. Empty when refused or the board left. */
    private <T> Optional<T> askUntilAnswered(FlashJob job, java.util.function.Supplier<MacAuthority.Answer<T>> ask)
            throws InterruptedException {
        Duration pause = settings.macRetryMin();
        String shown = null;
        while (!job.finished()) {
            MacAuthority.Answer<T> answer = ask.get();
            if (answer instanceof MacAuthority.Granted<T> granted) {
                return Optional.of(granted.value());
            }
            if (answer instanceof MacAuthority.Refused<T> refused) {
                job.fail(refused.reason(), refused.message() + "; nothing was written", List.of());
                return Optional.empty();
            }
            String message = ((MacAuthority.Unreachable<T>) answer).message();
            if (!message.equals(shown)) {
                job.transition(FLASH_JOB_STATE_WAITING_FOR_MAC, e -> e.setWaitingForMac(WaitingForMac.newBuilder().setMessage(message)));
                shown = message;
            }
            // Backoff on the request only; nothing is ever written while waiting.
            Thread.sleep(pause.toMillis());
            pause = Durations.doubled(pause, settings.macRetryMax());
        }
        return Optional.empty();
    }

    /**
     * Runs a programmer step with a permit held, once the board is on the bus. Empty (and the job ended) when the board
     * is gone for longer than a re-enumeration, or when another board reports its serial.
     */
    private <T> Optional<T> withProgrammer(FlashJob job, Step<T> step) throws InterruptedException {
        programmers.acquire();
        try {
            if (job.finished()) {
                return Optional.empty();
            }
            if (job.duplicate()) {
                job.fail(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, duplicateMessage(job.serial()), List.of());
                return Optional.empty();
            }
            if (!job.awaitPresent(settings.reenumerationGrace())) {
                if (!job.finished()) {
                    job.leftTheHub();
                }
                return Optional.empty();
            }
            if (!job.startProgrammer()) {
                if (job.duplicate() && !job.finished()) {
                    job.fail(FailureReason.FAILURE_REASON_DUPLICATE_SERIAL, duplicateMessage(job.serial()), List.of());
                }
                return Optional.empty();
            }
            List<String> tail = List.of();
            try {
                T result = step.run();
                if (result instanceof ProgrammerRun r) {
                    tail = r.tail();
                } else if (result instanceof Programmer.OtpRead r) {
                    tail = r.run().tail();
                }
                return Optional.of(result);
            } finally {
                job.programmerRunning(false, tail);
            }
        } finally {
            programmers.release();
        }
    }

    /** A failed run of a board that is gone (and stays gone past a re-enumeration) was unplugged, not broken. */
    private void failUnlessUnplugged(FlashJob job, FailureReason reason, String message, List<String> tail) throws InterruptedException {
        // The programmer usually notices a pulled board before the watcher does: wait for the watcher to look again.
        settings.busLook().awaitLookAfter(System.nanoTime());
        if (!job.awaitPresent(settings.reenumerationGrace()) && job.leftTheHub()) {
            return;
        }
        job.fail(reason, message, tail);
    }

    static String duplicateMessage(String serial) {
        return "another board on the hub reports serial " + serial + ": neither can be told apart, so neither is flashed";
    }
}
