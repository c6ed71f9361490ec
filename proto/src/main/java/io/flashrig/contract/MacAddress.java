package io.flashrig.contract;

import java.util.regex.Pattern;

/**
 * A unicast MAC address a board may carry: never multicast, all-zero or broadcast. Prints in canonical form
 * ({@code 04:D9:21:00:00:01}, as the contract carries it); its 48-bit value is what the server stores and what the
 * agent splits into OTP words 57 and 58.
 */
public record MacAddress(long value) implements Comparable<MacAddress> {

    public static final long MAX = 0xFFFF_FFFF_FFFFL;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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

    /**
     * The MAC that OTP words 57 (bytes 0–3, little-endian) and 58 (bits 15:0 = bytes 4–5) hold:
     * {@code 0x3821d904, 0x0000a830} → {@code 04:D9:21:38:30:A8}.
     */
    public static MacAddress fromOtpWords(long word57, long word58) {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            value = value << 8 | (word57 >>> (8 * i) & 0xFF);
        }
        value = value << 8 | (word58 & 0xFF);
        value = value << 8 | (word58 >>> 8 & 0xFF);
        return new MacAddress(value);
    }

    /** OTP word 57: MAC bytes 0–3, little-endian ({@code 04:D9:21:38:30:A8} → {@code 0x3821d904}). */
    public long otpWord57() {
        return octet(0) | octet(1) << 8 | octet(2) << 16 | octet(3) << 24;
    }

    /** OTP word 58: bits 15:0 hold MAC bytes 4–5, little-endian ({@code 04:D9:21:38:30:A8} → {@code 0x0000a830}). */
    public long otpWord58() {
        return octet(4) | octet(5) << 8;
    }

    /**
     * Whether the MAC can be fused so that a read tells it from a blank board: neither of its OTP words may be zero.
     * {@code 04:D9:21:05:00:00} cannot (its word 58 would read blank after the write), nor any {@code 00:00:00:00:xx:xx}.
     */
    public boolean fusable() {
        return otpWord57() != 0 && otpWord58() != 0;
    }

    /** Byte {@code index} (0 = first, as written) of the address. */
    private long octet(int index) {
        return value >>> (8 * (5 - index)) & 0xFF;
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
        return (int) octet(0);
    }

    public MacAddress plus(long offset) {
        return new MacAddress(value + offset);
    }

    /** Upper-case hex pairs separated by colons, e.g. {@code 04:D9:21:00:00:01}. */
    public String canonical() {
        return format(value);
    }

    @Override
    public String toString() {
        return canonical();
    }

    @Override
    public int compareTo(MacAddress other) {
        return Long.compare(value, other.value);
    }

    // By hand rather than String.format: the server formats a MAC for every answer it gives a rig (issue 18).
    private static String format(long value) {
        char[] out = new char[17];
        for (int octet = 0; octet < 6; octet++) {
            int bits = (int) (value >>> (40 - 8 * octet)) & 0xFF;
            out[3 * octet] = HEX[bits >>> 4];
            out[3 * octet + 1] = HEX[bits & 0xF];
            if (octet < 5) {
                out[3 * octet + 2] = ':';
            }
        }
        return new String(out);
    }

    private static InvalidValueException invalid(String mac, String message) {
        return new InvalidValueException("mac", Quoted.of(mac), message);
    }
}
