package io.flashrig.server.release;

import io.flashrig.contract.ReleaseManifest;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.FlashStarted;
import io.flashrig.server.sql.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Records on a flash attempt the release its image was verified against, as the agent reports it. A value that cannot
 * be a release name or a manifest hash is recorded as unknown rather than refusing the event: the event is the board's
 * history and must not be lost over a field that only annotates it.
 */
public final class AttemptRelease {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,99}");

    private AttemptRelease() {
    }

    /** The release a flash started with. */
    public static void record(Connection c, UUID attemptId, FlashStarted started) throws SQLException {
        record(c, attemptId, started.getReleaseName(), started.getManifestSha256());
    }

    /** The release an image was refused against (IMAGE_MISMATCH): no flash started, so this is where it is told. */
    public static void record(Connection c, UUID attemptId, BoardFailed failed) throws SQLException {
        record(c, attemptId, failed.getReleaseName(), failed.getManifestSha256());
    }

    private static void record(Connection c, UUID attemptId, String name, String manifestSha256) throws SQLException {
        if (!NAME.matcher(name).matches()) {
            return;
        }
        // The first report stays: a replayed or late event must not relabel the image a board got.
        Jdbc.update(c, """
                UPDATE flash_attempt SET release_name = ?, manifest_sha256 = ?
                 WHERE attempt_id = ? AND release_name IS NULL""",
                name, ReleaseManifest.isSha256(manifestSha256) ? manifestSha256 : null, attemptId);
    }
}
