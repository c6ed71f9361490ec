package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"04:d9:21:00:00:01", "04-D9-21-00-00-01", "04d921000001", "04:D9:21:00:00:01"})
    void readsEveryAcceptedFormIntoCanonicalForm(String text) {
        MacAddress mac = MacAddress.parse(text);
        assertEquals("04:D9:21:00:00:01", mac.toString());
        assertEquals(0x04D921000001L, mac.value());
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
        DomainException e = assertThrows(DomainException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertEquals(ErrorReason.ERROR_REASON_INVALID_MAC, e.reason());
    }

    @org.junit.jupiter.api.Test
    void refusesEmpty() {
        assertThrows(DomainException.class, () -> MacAddress.parse(""));
        assertThrows(DomainException.class, () -> MacAddress.parse(null));
    }

    @org.junit.jupiter.api.Test
    void countsAsANumber() {
        MacAddress first = MacAddress.parse("04:D9:21:00:00:FF");
        assertEquals("04:D9:21:00:01:00", first.plus(1).toString());
        assertEquals(4, first.firstOctet());
        assertTrue(first.compareTo(first.plus(1)) < 0);
    }
}
