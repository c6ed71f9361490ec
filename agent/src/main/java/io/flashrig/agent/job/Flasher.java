package io.flashrig.agent.job;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.FlashProgressTracker;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.contract.BoardSerial;
import io.flashrig.proto.rig.v1.FailureReason;
import java.nio.file.Path;
import java.util.Optional;

/** Writes the layout to a board through the gate, reporting progress, and tells a failed run from an unplugged board. */
final class Flasher {

    /** A progress event is emitted each time a partition's bar moves by this much, so the queue is not flooded. */
    private static final int PROGRESS_STEP = 10;

    private final Programmer programmer;
    private final ProgrammerGate gate;

    Flasher(Programmer programmer, ProgrammerGate gate) {
        this.programmer = programmer;
        this.gate = gate;
    }

    /**
     * Writes {@code image}, the layout the {@link ReleaseCheck} passed. True when the board is flashed; otherwise the job
     * settled (failed or interrupted) or the agent stops.
     */
    boolean flash(FlashJob job, BoardSerial serial, ImageGate.Flash image, Path log) throws InterruptedException {
        FlashLayout layout = image.layout();
        FlashProgressTracker tracker = new FlashProgressTracker(layout);
        int[] last = {-PROGRESS_STEP};
        String[] lastPartition = {""};
        Optional<ProgrammerRun> maybeRun = gate.run(job, () -> !job.flashStarted(layout.name(), layout.sha256(), log, image.release()) ? null
                : programmer.flash(serial, layout, log, line -> tracker.accept(line).ifPresent(p -> {
                    boolean newPartition = !p.partitionId().equals(lastPartition[0]);
                    if (newPartition || p.partitionPercent() >= last[0] + PROGRESS_STEP || p.partitionPercent() == 100) {
                        lastPartition[0] = p.partitionId();
                        last[0] = p.partitionPercent();
                        job.progress(p);
                    }
                })));
        if (maybeRun.isEmpty()) {
            return false;
        }
        ProgrammerRun run = maybeRun.get();
        if (run.succeeded()) {
            return job.flashed(run.elapsed());
        }
        if (run.startFailure().isPresent()) {
            job.failed(FailureReason.FAILURE_REASON_PROGRAMMER_NOT_STARTED, run.failureMessage(), run.tail());
        } else if (run.timedOut()) {
            job.failed(FailureReason.FAILURE_REASON_TIMEOUT, run.failureMessage(), run.tail());
        } else {
            gate.failUnlessUnplugged(job, FailureReason.FAILURE_REASON_PROGRAMMER_ERROR, run.failureMessage(), run.tail());
        }
        return false;
    }
}
