package io.flashrig.agent.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The agent's state directory: the durable event queue, the OTP write intents, the label queue and the programmer logs. Its layout is
 * fixed here so that every part of the agent agrees on it.
 *
 * @param root the folder given with {@code --state-dir}
 */
public record StateDir(Path root) {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** Creates the folders if needed, owner-only, and narrows those an older agent left readable by all. */
    public static StateDir open(Path root) throws IOException {
        StateDir dir = new StateDir(root.toAbsolutePath());
        PrivateFiles.folder(dir.root());
        PrivateFiles.folder(dir.queue());
        PrivateFiles.folder(dir.intents());
        PrivateFiles.folder(dir.logs());
        return dir;
    }

    public Path queue() {
        return root.resolve("queue");
    }

    public Path intents() {
        return root.resolve("otp-intents");
    }

    /** The last release the server gave this rig (see {@code PinStore}). */
    public Path releasePin() {
        return root.resolve("release-pin");
    }

    /** The labels on their way to the label printer, and those already sent (see {@code LabelQueue}). */
    public Path labelQueue() {
        return root.resolve("label-queue");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    /** The log of one flash attempt of one board: every programmer run of the attempt, appended in order. */
    public Path attemptLog(String serial, Instant started, String attemptId) {
        Path dir = logs().resolve(serial);
        try {
            PrivateFiles.folder(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the log folder " + dir, e);
        }
        return dir.resolve(STAMP.format(started) + "-" + attemptId + ".log");
    }

    /** The output of the latest {@code -l usb}, kept for diagnosing the listing watcher. */
    public Path listingLog() {
        return logs().resolve("usb-listing.log");
    }
}
