package io.flashrig.agent.programmer;

import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A unicast Ethernet MAC address as fused into a board's OTP, in canonical form ({@code 04:D9:21:00:00:01}).
 *
 * @param canonical upper-case hex pairs separated by colons
 */
public record MacAddress(String canonical) {

    private static final Pattern COLON = Pattern.compile("\\p{XDigit}{2}(:\\p{XDigit}{2}){5}");
    private static final Pattern DASH = Pattern.compile("\\p{XDigit}{2}(-\\p{XDigit}{2}){5}");
    private static final Pattern BARE = Pattern.compile("\\p{XDigit}{12}");

    public MacAddress {
        if (canonical == null || !COLON.matcher(canonical).matches() || !canonical.equals(canonical.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("not a canonical MAC address: " + canonical);
        }
        byte[] bytes = HexFormat.ofDelimiter(":").parseHex(canonical);
        if ((bytes[0] & 1) != 0) {
            // Also rejects broadcast FF:FF:FF:FF:FF:FF: a board with a group address would never receive its own frames.
            throw new IllegalArgumentException("MAC address " + canonical + " is multicast or broadcast, not a board's address");
        }
        if (allZero(bytes)) {
            throw new IllegalArgumentException("MAC address " + canonical + " is all zeros");
        }
    }

    /** Parses {@code 04:d9:21:00:00:01}, {@code 04-D9-21-00-00-01} or {@code 04d921000001}. */
    public static MacAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no MAC address given");
        }
        String trimmed = text.strip();
        String hex;
        if (COLON.matcher(trimmed).matches() || DASH.matcher(trimmed).matches()) {
            hex = trimmed.replace(":", "").replace("-", "");
        } else if (BARE.matcher(trimmed).matches()) {
            hex = trimmed;
        } else {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected e.g. 04:D9:21:00:00:01)");
        }
        return fromBytes(HexFormat.of().parseHex(hex));
    }

    /** Decodes OTP words 57 (bytes 0–3, little-endian) and 58 (bits 15:0 = bytes 4–5). */
    public static MacAddress fromOtpWords(long word57, long word58) {
        byte[] b = new byte[6];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (word57 >>> (8 * i));
        }
        b[4] = (byte) word58;
        b[5] = (byte) (word58 >>> 8);
        return fromBytes(b);
    }

    private static MacAddress fromBytes(byte[] bytes) {
        return new MacAddress(HexFormat.ofDelimiter(":").withUpperCase().formatHex(bytes));
    }

    /** The six bytes of the address, most significant first. */
    public byte[] bytes() {
        return HexFormat.ofDelimiter(":").parseHex(canonical);
    }

    /** OTP word 57: MAC bytes 0–3, little-endian (04:d9:21:38:30:a8 → 0x3821d904). */
    public long otpWord57() {
        byte[] b = bytes();
        return (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
    }

    /** OTP word 58: bits 15:0 hold MAC bytes 4–5, little-endian (04:d9:21:38:30:a8 → 0x0000a830). */
    public long otpWord58() {
        byte[] b = bytes();
        return (b[4] & 0xFFL) | (b[5] & 0xFFL) << 8;
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return canonical;
    }
}
