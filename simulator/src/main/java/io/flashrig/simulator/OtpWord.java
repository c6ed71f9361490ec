package io.flashrig.simulator;

/**
 * One 32-bit OTP word of a simulated STM32MP15 with the history that matters: how often it was programmed, its status
 * and its lock.
 *
 * @param value  the word's bits; {@code 0} is blank
 * @param writes how many times the word was programmed on this hub (a word burnt before plugging counts none)
 * @param status the BSEC status; bit 0 set means the word's ECC no longer matches, i.e. the word is corrupted
 * @param locked whether the word was permanently locked, after which it can no longer be programmed
 */
public record OtpWord(long value, int writes, long status, boolean locked) {

    /** The status bit the programmer shows as {@code |_[00] Invalid}. */
    public static final long STATUS_INVALID = 0x1L;

    /** A word as it leaves the factory. */
    public static final OtpWord BLANK = new OtpWord(0, 0, 0, false);

    /** Validates the word. */
    public OtpWord {
        requireWord(value, "value");
        requireWord(status, "status");
        if (writes < 0) {
            throw new IllegalArgumentException("writes must not be negative: " + writes);
        }
    }

    /** A word burnt before the board reached the hub: it holds {@code value} but this hub never wrote it. */
    public static OtpWord burnt(long value) {
        return new OtpWord(value, 0, 0, false);
    }

    /** Whether the word still holds nothing and was never programmed, so one write is safe. */
    public boolean blank() {
        return value == 0 && writes == 0;
    }

    /** Whether the word's ECC no longer matches its data. */
    public boolean corrupted() {
        return (status & STATUS_INVALID) != 0;
    }

    /**
     * The word after one more programming. Fuses only go from 0 to 1 and the ECC is computed per write, so programming
     * a word that already holds a different value leaves the OR of both values under an invalid ECC.
     */
    OtpWord programmed(long newValue, boolean lock) {
        requireWord(newValue, "value");
        boolean clash = value != 0 && value != newValue;
        return new OtpWord(value | newValue, writes + 1, clash ? status | STATUS_INVALID : status, locked || lock);
    }

    static void requireWord(long bits, String what) {
        if (bits < 0 || bits > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " does not fit in 32 bits: 0x" + Long.toHexString(bits));
        }
    }
}
