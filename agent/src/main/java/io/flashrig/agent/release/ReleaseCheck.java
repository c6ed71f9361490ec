package io.flashrig.agent.release;

import io.flashrig.agent.job.FlashJob;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FailureReason;
import io.flashrig.proto.rig.v1.FlashJobState;
import io.flashrig.proto.rig.v1.FlashStarted;
import java.util.Optional;

/** The job's side of the image gate: a refused image fails the board before its programmer starts. */
public final class ReleaseCheck {

    private ReleaseCheck() {
    }

    /** The image the board gets; empty when it was refused and the job failed with IMAGE_MISMATCH. */
    public static Optional<ImageGate.Flash> beforeFlash(ImageGate gate, FlashJob job) {
        ImageGate.Decision decision = gate.check();
        if (decision instanceof ImageGate.Flash flash) {
            return Optional.of(flash);
        }
        ImageGate.Refuse refused = (ImageGate.Refuse) decision;
        // A board pulled meanwhile ended its job: the transition is refused and the runner stops, as for any step.
        FlashJobState failedIn = job.state();
        job.transition(FlashJobState.FLASH_JOB_STATE_FAILED, e -> e.setFailed(BoardFailed.newBuilder()
                .setReason(FailureReason.FAILURE_REASON_IMAGE_MISMATCH)
                .setMessage(refused.message() + "; the board was not flashed").setFailedInState(failedIn)
                .setReleaseName(refused.release().getReleaseName())
                .setManifestSha256(refused.release().getManifestSha256())));
        return Optional.empty();
    }

    /** The flash-started event names the release the image was verified against. */
    public static FlashStarted.Builder started(ImageGate.Flash flash, FlashStarted.Builder started) {
        flash.release().ifPresent(r -> started.setReleaseName(r.getReleaseName()).setManifestSha256(r.getManifestSha256()));
        return started;
    }
}
