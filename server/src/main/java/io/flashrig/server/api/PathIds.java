package io.flashrig.server.api;

import io.flashrig.contract.Quoted;
import io.flashrig.server.error.DomainException;

/** Numeric ids in paths, refused with a clear sentence when they are not numbers. */
public final class PathIds {

    private PathIds() {
    }

    public static long parse(String what, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw DomainException.invalid("A " + what + " id is a whole number, not '"
                    + Quoted.of(text) + "'.");
        }
    }
}
