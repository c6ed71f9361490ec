package io.flashrig.agent.programmer;

import io.flashrig.contract.MacAddress;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OTP words 57 and 58 as {@code -otp displ word=57 word=58} shows them, and what they mean for the board's MAC.
 *
 * @param word57 data of word 57
 * @param status57 status of word 57; non-zero means the word is corrupted
 * @param invalid57 true when the tool flagged word 57 {@code Invalid}
 * @param word58 data of word 58
 * @param status58 status of word 58
 * @param invalid58 true when the tool flagged word 58 {@code Invalid}
 */
public record OtpReading(long word57, long status57, boolean invalid57, long word58, long status58, boolean invalid58) {

    /** The line the tool prints when the OTP read worked. */
    public static final String SUCCESS_LINE = "OTP Partition read successfully";

    /** What the two words hold. */
    public sealed interface Content permits Blank, Holds, Inconsistent {
    }

    /** Both words are blank: the board has no MAC yet and may be written once. */
    public record Blank() implements Content {
    }

    /** The words hold a whole MAC. */
    public record Holds(MacAddress mac) implements Content {
    }

    /** Part of a MAC, a corrupted word or a non-unicast value: never written to, needs an engineer. */
    public record Inconsistent(String reason) implements Content {
    }

    private static final Pattern DATA = Pattern.compile("^\\|\\s*Data(\\d+)\\s*:\\s*0x(\\p{XDigit}+)\\s*$");
    private static final Pattern STATUS = Pattern.compile("^\\|\\s*Status(\\d+)\\s*:\\s*0x(\\p{XDigit}+)\\s*$");
    private static final Pattern INVALID = Pattern.compile("^\\|_\\s*\\[\\d+]\\s*Invalid.*$");

    /** Parses the read's output; empty when words 57 and 58 are not both shown with data and status. */
    public static Optional<OtpReading> parse(List<String> lines) {
        Long[] data = new Long[2];
        Long[] status = new Long[2];
        boolean[] invalid = new boolean[2];
        int current = -1;
        for (String raw : lines) {
            String line = raw.strip();
            Matcher d = DATA.matcher(line);
            Matcher s = STATUS.matcher(line);
            if (d.matches()) {
                current = slot(d.group(1));
                if (current >= 0) {
                    data[current] = Long.parseLong(d.group(2), 16);
                }
            } else if (s.matches()) {
                current = slot(s.group(1));
                if (current >= 0) {
                    status[current] = Long.parseLong(s.group(2), 16);
                }
            } else if (INVALID.matcher(line).matches() && current >= 0) {
                // The flag follows the lines of the word it belongs to.
                invalid[current] = true;
            }
        }
        if (data[0] == null || data[1] == null || status[0] == null || status[1] == null) {
            return Optional.empty();
        }
        return Optional.of(new OtpReading(data[0], status[0], invalid[0], data[1], status[1], invalid[1]));
    }

    private static int slot(String word) {
        return switch (word) {
            case "57" -> 0;
            case "58" -> 1;
            default -> -1;
        };
    }

    /** Decides what the words hold. Anything that is neither clearly blank nor clearly one MAC is inconsistent. */
    public Content content() {
        if (status57 != 0 || invalid57) {
            return new Inconsistent(String.format("OTP word 57 reads as corrupted (status 0x%08X)", status57));
        }
        if (status58 != 0 || invalid58) {
            return new Inconsistent(String.format("OTP word 58 reads as corrupted (status 0x%08X)", status58));
        }
        if ((word58 & ~0xFFFFL) != 0) {
            return new Inconsistent(String.format("OTP word 58 holds 0x%08X: bits above 15 are set, which no MAC does", word58));
        }
        boolean blank57 = word57 == 0;
        boolean blank58 = word58 == 0;
        if (blank57 && blank58) {
            return new Blank();
        }
        if (blank57 || blank58) {
            return new Inconsistent(String.format("OTP holds part of a MAC (word 57 = 0x%08X, word 58 = 0x%08X)", word57, word58));
        }
        try {
            return new Holds(MacAddress.fromOtpWords(word57, word58));
        } catch (IllegalArgumentException e) {
            return new Inconsistent("OTP holds no usable MAC: " + e.getMessage());
        }
    }
}
