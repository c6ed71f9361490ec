package io.flashrig.agent.job;

import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.proto.rig.v1.FailureReason;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * What must hold before a programmer process starts for a board, and the one way every programmer step of a job runs:
 * one of the rig's {@code parallel} permits held, the board on the bus (back from a re-enumeration, at most the grace
 * later), its serial its own, and the step claimed in its {@link FlashJob} so that a board that vanishes meanwhile counts
 * as re-enumerating, not unplugged.
 */
final class ProgrammerGate {

    /** A step needing the programmer; {@code null} when the job refused it (it then settled). */
    interface Step<T> {
        T run() throws InterruptedException;
    }

    private final Semaphore permits;
    private final JobSettings settings;

    ProgrammerGate(Semaphore permits, JobSettings settings) {
        this.permits = permits;
        this.settings = settings;
    }

    /** Runs {@code step} once all holds; empty (and the job settled or over) when it cannot. */
    <T> Optional<T> run(FlashJob job, Step<T> step) throws InterruptedException {
        permits.acquire();
        try {
            if (!job.serialStillItsOwn() || !job.awaitBoard(settings.reenumerationGrace()) || !job.programmerStarting()) {
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
                return Optional.ofNullable(result);
            } finally {
                job.programmerStopped(tail);
            }
        } finally {
            permits.release();
        }
    }

    /** A failed run of a board that is gone (and stays gone past a re-enumeration) was unplugged, not broken. */
    void failUnlessUnplugged(FlashJob job, FailureReason reason, String message, List<String> tail) throws InterruptedException {
        // The programmer usually notices a pulled board before the watcher does: wait for the watcher to look again.
        settings.busLook().awaitLookAfter(System.nanoTime());
        if (job.awaitBoard(settings.reenumerationGrace())) {
            job.failed(reason, message, tail);
        }
    }
}
