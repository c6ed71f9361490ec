package io.flashrig.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoardSerialTest {

    @Test
    void upperCasesTheChipId() {
        assertEquals("003C00473430511536383630", BoardSerial.parse("003c00473430511536383630").value());
        assertEquals(new BoardSerial("002700223239511737383434"), BoardSerial.parse("002700223239511737383434"));
    }

    @Test
    void fromUsbKeepsEveryCharacterAndDropsOnlySurroundingBlanks() {
        // The original rig stripped "3"s off the ends of serials; only blanks may go.
        assertEquals("3C00473430511536383630E3", BoardSerial.fromUsb(" 3c00473430511536383630e3 ").value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "003C0047343051153638363", "003C004734305115363836300", "003C0047343051153638363G",
            "003C00473430511536383630\n", " 003C00473430511536383630", "000000000000000000000000", "000000000000"})
    void refusesAnythingElseSayingWhy(String text) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> BoardSerial.parse(text));
        assertEquals("serial", e.field());
        assertTrue(e.getMessage().length() > 20, e.getMessage());
    }

    @Test
    void saysWhyAllZerosIsRefused() {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> BoardSerial.fromUsb("000000000000"));
        assertTrue(e.getMessage().contains("cannot tell one board from another"), e.getMessage());
    }
}
