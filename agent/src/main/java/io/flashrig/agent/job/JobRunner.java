package io.flashrig.agent.job;

import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.contract.BoardSerial;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * One board's job, start to end, as a script over named parts: the {@link ReleaseCheck} passes the image first; every
 * programmer step passes the {@link ProgrammerGate}; the {@link Flasher} writes the layout; the {@link MacFuser} fuses
 * the MAC. Each part returns early once the job settled, and the {@link FlashJob} refuses anything out of order, so the
 * script holds no safety rule of its own.
 */
final class JobRunner {

    private final JobSettings settings;
    private final ReleaseCheck release;
    private final Flasher flasher;
    private final MacFuser fuser;

    JobRunner(Programmer programmer, MacAuthority macs, OtpIntents intents, JobSettings settings, Semaphore programmers) {
        this.settings = settings;
        ProgrammerGate gate = new ProgrammerGate(programmers, settings);
        this.release = new ReleaseCheck(settings.imageGate());
        this.flasher = new Flasher(programmer, gate);
        this.fuser = new MacFuser(programmer, macs, intents, settings, gate);
    }

    void run(FlashJob job, BoardSerial serial, Path log) {
        try {
            // What must hold before the first programmer run of a board is checked here, before flashing, and fails the
            // job when it does not: the image is the rig's release.
            Optional<ImageGate.Flash> image = release.beforeFlash(job);
            if (image.isEmpty() || !flasher.flash(job, serial, image.get(), log)) {
                return;
            }
            if (!settings.fuse()) {
                job.done();
                return;
            }
            // The after-flash phase: everything between the flashed board and its verified MAC.
            fuser.fuse(job, serial, log);
        } catch (InterruptedException e) {
            // The agent is stopping; the job stays where it is and the OTP read decides on the next run.
            Thread.currentThread().interrupt();
        }
    }
}
