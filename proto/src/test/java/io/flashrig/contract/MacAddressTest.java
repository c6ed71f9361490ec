package io.flashrig.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"04:d9:21:00:00:01", "04-D9-21-00-00-01", "04d921000001", "04:D9:21:00:00:01"})
    void readsEveryAcceptedFormIntoCanonicalForm(String text) {
        MacAddress mac = MacAddress.parse(text);
        assertEquals("04:D9:21:00:00:01", mac.canonical());
        assertEquals("04:D9:21:00:00:01", mac.toString());
        assertEquals(0x04D921000001L, mac.value());
    }

    @ParameterizedTest
    @ValueSource(longs = {0x04D921000001L, 0xA8CDEF012345L, 0x02FEDCBA9876L, 0x0A0B0C0D0E0FL})
    void printsEveryDigitOfEveryOctetAndReadsBackItsOwnPrint(long value) {
        MacAddress mac = new MacAddress(value);
        String hex = String.format("%012X", value);
        assertEquals(String.join(":", hex.substring(0, 2), hex.substring(2, 4), hex.substring(4, 6),
                hex.substring(6, 8), hex.substring(8, 10), hex.substring(10, 12)), mac.toString());
        assertEquals(mac, MacAddress.parse(mac.toString()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "01:00:5E:00:00:01 | multicast",
            "05-00-00-00-00-00 | multicast",
            "00:00:00:00:00:00 | all-zero",
            "000000000000      | all-zero",
            "FF:FF:FF:FF:FF:FF | broadcast",
            "04:D9:21:00:00    | not a MAC address",
            "04:D9-21:00:00:01 | not a MAC address",
            "04:D9:21:00:00:0G | not a MAC address",
            "' 04d921000001'   | not a MAC address",
            "04d9210000011     | not a MAC address"})
    void refusesWithTheReason(String text, String why) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertEquals("mac", e.field());
    }

    @Test
    void refusesEmpty() {
        assertThrows(InvalidValueException.class, () -> MacAddress.parse(""));
        assertThrows(InvalidValueException.class, () -> MacAddress.parse(null));
    }

    @Test
    void countsAsANumber() {
        MacAddress first = MacAddress.parse("04:D9:21:00:00:FF");
        assertEquals("04:D9:21:00:01:00", first.plus(1).toString());
        assertEquals(4, first.firstOctet());
        assertTrue(first.compareTo(first.plus(1)) < 0);
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

    @Test
    void otpWordsThatHoldAMulticastAddressAreRefused() {
        // 01:00:5E:00:00:01 in OTP: no board may carry it, whoever burnt it.
        assertThrows(InvalidValueException.class, () -> MacAddress.fromOtpWords(0x005E0001L, 0x0100L));
    }

    @Test
    void aMacWithABlankOtpWordCannotBeFused() {
        assertTrue(MacAddress.parse("04:D9:21:05:00:01").fusable());
        assertEquals(false, MacAddress.parse("04:D9:21:05:00:00").fusable(), "word 58 would read blank");
        assertEquals(false, MacAddress.parse("00:00:00:00:12:34").fusable(), "word 57 would read blank");
    }
}
