package io.flashrig.server.release;

import java.util.Map;

/**
 * The release a rig is to flash, as the rig is told it.
 *
 * @param source {@code pinned} (the rig's own) or {@code default}
 */
public record RigPin(String name, String layout, String manifestSha256, Map<String, String> files, boolean retired,
        String source) {

    public RigPin {
        files = Map.copyOf(files);
    }
}
