package io.flashrig.agent.job;

import io.flashrig.agent.release.ImageGate;
import java.util.Optional;

/**
 * The check before a board's first programmer run: the image it would get is the rig's release. It runs before the
 * {@link ProgrammerGate}, so a refused image holds no programmer permit and nothing is written to the board.
 */
final class ReleaseCheck {

    private final ImageGate images;

    ReleaseCheck(ImageGate images) {
        this.images = images;
    }

    /** The image the board gets; empty when it was refused (the job then failed with IMAGE_MISMATCH) or settled. */
    Optional<ImageGate.Flash> beforeFlash(FlashJob job) {
        ImageGate.Decision decision = images.check();
        if (decision instanceof ImageGate.Flash flash) {
            return Optional.of(flash);
        }
        ImageGate.Refuse refused = (ImageGate.Refuse) decision;
        // A board pulled meanwhile settled its job: the refusal is then not emitted, and the runner stops all the same.
        job.imageRefused(refused.message(), refused.release());
        return Optional.empty();
    }
}
