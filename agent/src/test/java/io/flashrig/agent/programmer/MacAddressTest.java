package io.flashrig.agent.programmer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void parsesEveryWrittenFormIntoTheCanonicalForm() {
        assertEquals("04:D9:21:00:00:01", MacAddress.parse("04:d9:21:00:00:01").canonical());
        assertEquals("04:D9:21:00:00:01", MacAddress.parse("04-D9-21-00-00-01").canonical());
        assertEquals("04:D9:21:00:00:01", MacAddress.parse("04d921000001").canonical());
        assertEquals(MacAddress.parse("04d921000001"), MacAddress.parse(" 04:D9:21:00:00:01 "));
    }

    @Test
    void rejectsWhatNoBoardMayCarry() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("01:00:5E:00:00:01"), "multicast");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("FF:FF:FF:FF:FF:FF"), "broadcast");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("00:00:00:00:00:00"), "all zero");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("04:d9:21:00:00"), "too short");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("04:d9-21:00:00:01"), "mixed separators");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("04:d9:21:00:00:0g"), "not hex");
        assertThrows(IllegalArgumentException.class, () -> new MacAddress("04:d9:21:00:00:01"), "lower case is not canonical");
    }

    @Test
    void encodesOtpWordsAsTheReferenceShows() {
        MacAddress mac = MacAddress.parse("04:d9:21:38:30:a8");
        assertEquals(0x3821d904L, mac.otpWord57());
        assertEquals(0x0000a830L, mac.otpWord58());
        assertEquals(mac, MacAddress.fromOtpWords(0x3821d904L, 0x0000a830L));
    }

    @Test
    void otpWordsRoundTripForHighBytes() {
        MacAddress mac = MacAddress.parse("FE:FF:FF:FF:FF:FE");
        assertEquals(0xFFFFFFFEL, mac.otpWord57());
        assertEquals(0xFEFFL, mac.otpWord58());
        assertEquals(mac, MacAddress.fromOtpWords(mac.otpWord57(), mac.otpWord58()));
    }
}
