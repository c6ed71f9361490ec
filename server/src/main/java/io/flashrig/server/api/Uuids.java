package io.flashrig.server.api;

import java.util.Optional;
import java.util.UUID;

/**
 * UUIDs as rigs and clients send them. {@link UUID#fromString} also takes short forms such as "1-2-3-4-5", which
 * would let two spellings name one event or session; only the 36-character form is accepted.
 */
public final class Uuids {

    private Uuids() {
    }

    /** The UUID {@code text} spells in the 36-character form, or empty. */
    public static Optional<UUID> parse(String text) {
        if (text == null || text.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
