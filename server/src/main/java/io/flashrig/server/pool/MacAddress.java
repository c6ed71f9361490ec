package io.flashrig.server.pool;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.api.Quoted;
import io.flashrig.server.error.DomainException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A unicast MAC address a board may carry. Prints in canonical form ({@code 04:D9:21:00:00:01}); stored as its 48-bit
 * value in a bigint.
 */
public record MacAddress(long value) implements Comparable<MacAddress> {

    public static final long MAX = 0xFFFF_FFFF_FFFFL;

    private static final Pattern SEPARATED = Pattern.compile("\\p{XDigit}{2}([:-])\\p{XDigit}{2}(\\1\\p{XDigit}{2}){4}");
    private static final Pattern BARE = Pattern.compile("\\p{XDigit}{12}");
    private static final long MULTICAST_BIT = 1L << 40;

    public MacAddress {
        String why = problem(value);
        if (why != null) {
            throw invalid(format(value), why);
        }
    }

    /** Reads {@code 04:d9:21:00:00:01}, {@code 04-D9-21-00-00-01} or {@code 04d921000001}. */
    public static MacAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw invalid("", "A MAC address is required.");
        }
        if (!SEPARATED.matcher(text).matches() && !BARE.matcher(text).matches()) {
            throw invalid(text, "'" + Quoted.of(text) + "' is not a MAC address: write six hex pairs like "
                    + "04:D9:21:00:00:01, 04-D9-21-00-00-01 or 04D921000001.");
        }
        return new MacAddress(Long.parseLong(text.replaceAll("[:-]", ""), 16));
    }

    /** Null when the value may be a board's address, otherwise the reason why not. */
    static String problem(long value) {
        if (value < 0 || value > MAX) {
            return "A MAC address has 48 bits; " + value + " does not fit.";
        }
        if (value == 0) {
            return "00:00:00:00:00:00 is the all-zero address, which no board may carry.";
        }
        if (value == MAX) {
            return "FF:FF:FF:FF:FF:FF is the broadcast address, which no board may carry.";
        }
        if ((value & MULTICAST_BIT) != 0) {
            return format(value) + " is a multicast address (the I/G bit, the lowest bit of its first byte, is set);"
                    + " a board needs a unicast address.";
        }
        return null;
    }

    /** The first byte: a MAC range never crosses it, so that it never runs into multicast addresses. */
    public int firstOctet() {
        return (int) (value >>> 40);
    }

    public MacAddress plus(long offset) {
        return new MacAddress(value + offset);
    }

    @Override
    public String toString() {
        return format(value);
    }

    @Override
    public int compareTo(MacAddress other) {
        return Long.compare(value, other.value);
    }

    private static String format(long value) {
        String hex = String.format(Locale.ROOT, "%012X", value & MAX);
        StringBuilder out = new StringBuilder(17);
        for (int i = 0; i < 12; i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString();
    }

    private static DomainException invalid(String mac, String message) {
        return new DomainException(DomainException.Kind.INVALID, ErrorReason.ERROR_REASON_INVALID_MAC, message,
                Map.of("mac", Quoted.of(mac)));
    }
}
