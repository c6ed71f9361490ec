package io.flashrig.agent.job;

import io.flashrig.agent.programmer.Durations;
import io.flashrig.agent.programmer.OtpReading;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.FailureReason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Fuses a flashed board's MAC into OTP words 57/58: read, then either keep the MAC found there or assign, claim, write
 * and verify. The rules: read OTP first; write only when both words read blank and only a MAC the server assigned;
 * record the intent durably before the write; never retry a write; read back to verify. The {@link FlashJob} refuses
 * any step out of that order; this class only does the work between its steps.
 */
final class MacFuser {

    private static final Logger LOG = Logger.getLogger(MacFuser.class);

    private final Programmer programmer;
    private final MacAuthority macs;
    private final OtpIntents intents;
    private final JobSettings settings;
    private final ProgrammerGate gate;

    MacFuser(Programmer programmer, MacAuthority macs, OtpIntents intents, JobSettings settings, ProgrammerGate gate) {
        this.programmer = programmer;
        this.macs = macs;
        this.intents = intents;
        this.settings = settings;
        this.gate = gate;
    }

    /** Fuses the board's MAC and finishes the job; returns early, the job settled, whenever a step cannot go on. */
    void fuse(FlashJob job, BoardSerial serial, Path log) throws InterruptedException {
        Optional<Programmer.OtpRead> read = read(job, serial, log);
        if (read.isEmpty()) {
            return;
        }
        OtpReading.Content content = read.get().reading().orElseThrow().content();
        if (content instanceof OtpReading.Inconsistent inconsistent) {
            job.failed(FailureReason.FAILURE_REASON_OTP_INCONSISTENT, inconsistent.reason() + "; nothing was written, the board needs an engineer",
                    read.get().run().tail());
        } else if (content instanceof OtpReading.Holds holds) {
            keepFound(job, serial, holds.mac());
        } else {
            Optional<MacAddress> assigned = assign(job, serial);
            if (assigned.isPresent() && claim(job, serial, assigned.get()) && write(job, serial, assigned.get(), log)) {
                verify(job, serial, assigned.get(), log);
            }
        }
    }

    /** The one OTP read before anything is written; empty when it failed (and the job settled). */
    private Optional<Programmer.OtpRead> read(FlashJob job, BoardSerial serial, Path log) throws InterruptedException {
        Optional<Programmer.OtpRead> read = gate.run(job, () -> programmer.readOtp(serial, log));
        if (read.isEmpty()) {
            return read;
        }
        if (read.get().reading().isEmpty()) {
            gate.failUnlessUnplugged(job, FailureReason.FAILURE_REASON_OTP_READ_FAILED, "reading OTP words 57/58 failed: "
                    + read.get().run().failureMessage(), read.get().run().tail());
            return Optional.empty();
        }
        return job.otpRead(read.get().reading().get().content()) ? read : Optional.empty();
    }

    /** OTP already holds a MAC: never written again. Our own earlier write (after a crash) or the server's verdict. */
    private void keepFound(FlashJob job, BoardSerial serial, MacAddress found) throws InterruptedException {
        boolean ours = intents.intended(serial).filter(found::equals).isPresent();
        if (ours || askUntilAnswered(job, () -> macs.report(serial, found, job.attemptId())).isPresent()) {
            finish(job, serial, found);
        }
    }

    /** The MAC the server assigns this board; empty when refused, or when another board turned up with its serial. */
    private Optional<MacAddress> assign(FlashJob job, BoardSerial serial) throws InterruptedException {
        return askUntilAnswered(job, () -> macs.assign(serial, job.attemptId())).filter(mac -> job.serialStillItsOwn());
    }

    /**
     * Claims the board's one OTP write from the server, under a write id made durable first (an earlier attempt's, after
     * a restart, so that its claim is resumed rather than refused). False when the job settled.
     */
    private boolean claim(FlashJob job, BoardSerial serial, MacAddress mac) throws InterruptedException {
        Optional<OtpIntents.Intent> earlier = intents.intent(serial).filter(i -> i.mac().equals(mac));
        OtpIntents.Intent intent = earlier.orElseGet(() -> new OtpIntents.Intent(mac, job.attemptId()));
        if (earlier.isEmpty()) {
            try {
                intents.record(serial, intent);
            } catch (IOException e) {
                job.failed(FailureReason.FAILURE_REASON_OTP_WRITE_FAILED, "the write intent could not be made durable (" + e.getMessage()
                        + "); nothing was written", List.of());
                return false;
            }
        }
        return askUntilAnswered(job, () -> macs.claimWrite(serial, mac, intent.writeId(), job.attemptId())).isPresent() && job.serialStillItsOwn();
    }

    /** The board's one OTP write; true when it succeeded. The job allows it once, after a blank read, never for a shared serial. */
    private boolean write(FlashJob job, BoardSerial serial, MacAddress mac, Path log) throws InterruptedException {
        Optional<ProgrammerRun> written = gate.run(job, () -> job.otpWriteBegins(mac) ? programmer.writeOtp(serial, mac, log) : null);
        if (written.isEmpty()) {
            return false;
        }
        if (!written.get().succeeded()) {
            job.failed(FailureReason.FAILURE_REASON_OTP_WRITE_FAILED, "writing MAC " + mac + " to OTP failed: " + written.get().failureMessage()
                    + "; the write is never retried, the board needs an engineer", written.get().tail());
            return false;
        }
        return job.macWritten(mac);
    }

    /** Reads OTP back: it must hold the MAC just written. */
    private void verify(FlashJob job, BoardSerial serial, MacAddress mac, Path log) throws InterruptedException {
        Optional<Programmer.OtpRead> back = gate.run(job, () -> programmer.readOtp(serial, log));
        if (back.isEmpty()) {
            return;
        }
        Optional<OtpReading.Content> content = back.get().reading().map(OtpReading::content);
        if (content.isPresent() && content.get() instanceof OtpReading.Holds holds && holds.mac().equals(mac)) {
            finish(job, serial, mac);
        } else {
            String what = content.map(c -> c instanceof OtpReading.Holds h ? "OTP reads back " + h.mac()
                    : c instanceof OtpReading.Inconsistent i ? i.reason() : "OTP reads back blank")
                    .orElse("reading OTP back failed: " + back.get().run().failureMessage());
            job.failed(FailureReason.FAILURE_REASON_MAC_VERIFY_FAILED, "wrote MAC " + mac + " but " + what, back.get().run().tail());
        }
    }

    private void finish(FlashJob job, BoardSerial serial, MacAddress mac) {
        if (!job.macVerified(mac)) {
            return;
        }
        try {
            intents.clear(serial);
        } catch (IOException e) {
            // A stale intent naming the MAC the board holds does no harm: it only lets a later read recognise it.
            LOG.warnf("could not remove the OTP write intent of %s: %s", serial, e.getMessage());
        }
        job.done();
    }

    /** Asks the server until it decides; meanwhile the board waits visibly. Empty when refused or the job settled. */
    private <T> Optional<T> askUntilAnswered(FlashJob job, Supplier<MacAuthority.Answer<T>> ask) throws InterruptedException {
        java.time.Duration pause = settings.macRetryMin();
        String shown = null;
        while (!job.settled()) {
            MacAuthority.Answer<T> answer = ask.get();
            if (answer instanceof MacAuthority.Granted<T> granted) {
                return Optional.of(granted.value());
            }
            if (answer instanceof MacAuthority.Refused<T> refused) {
                job.failed(refused.reason(), refused.message() + "; nothing was written", List.of());
                return Optional.empty();
            }
            String message = ((MacAuthority.Unreachable<T>) answer).message();
            if (!message.equals(shown)) {
                job.waitingForMac(message);
                shown = message;
            }
            // Backoff on the request only; nothing is ever written while waiting.
            Thread.sleep(pause.toMillis());
            pause = Durations.doubled(pause, settings.macRetryMax());
        }
        return Optional.empty();
    }
}
