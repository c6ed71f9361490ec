package io.flashrig.server.release;

import io.flashrig.proto.rig.v1.CheckRigResponse;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.flashrig.proto.rig.v1.StreamBoardEventsResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Tells a rig its release on every answer that can carry it, so that a pin set by an admin reaches the rig with its
 * next heartbeat. No pin and no default: the field stays unset and the rig flashes its own layout. The release is read
 * once per rig and kept until something changes it ({@link PinCache}).
 */
@ApplicationScoped
public class ReleasePins {

    private final ReleaseService releases;
    private final PinCache cache;

    ReleasePins(ReleaseService releases, PinCache cache) {
        this.releases = releases;
        this.cache = cache;
    }

    public OpenSessionResponse onSession(long rigId, OpenSessionResponse response) {
        return pin(rigId).map(p -> response.toBuilder().setReleasePin(p).build()).orElse(response);
    }

    public StreamBoardEventsResponse onStream(long rigId, StreamBoardEventsResponse response) {
        return pin(rigId).map(p -> response.toBuilder().setReleasePin(p).build()).orElse(response);
    }

    public CheckRigResponse onCheck(long rigId, CheckRigResponse response) {
        return pin(rigId).map(p -> response.toBuilder().setReleasePin(p).build()).orElse(response);
    }

    private Optional<ReleasePin> pin(long rigId) {
        return cache.get(rigId, rig -> releases.pinOf(rig).map(p -> ReleasePin.newBuilder().setReleaseName(p.name())
                .setManifestSha256(p.manifestSha256()).setLayoutName(p.layout()).putAllFileSha256(p.files())
                .setRetired(p.retired()).build()));
    }
}
