package io.flashrig.agent.programmer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BoardSerialTest {

    @Test
    void keepsEveryCharacterOfTheSerial() {
        // The original rig stripped "3"s off the ends of serials; only blanks may go.
        assertEquals("3C00473430511536383630E3", BoardSerial.parse(" 3c00473430511536383630e3 ").value());
        assertEquals("003C00473430511536383630", BoardSerial.parse("003C00473430511536383630").value());
    }

    @Test
    void refusesSerialsThatCannotIdentifyABoard() {
        IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class, () -> BoardSerial.parse("000000000000"));
        assertEquals("serial 000000000000 is all zeros and cannot identify a board", zeros.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BoardSerial.parse("000000000000000000000000"));
        assertThrows(IllegalArgumentException.class, () -> BoardSerial.parse("003C0047343051153638363"), "23 characters");
        assertThrows(IllegalArgumentException.class, () -> BoardSerial.parse("003C0047343051153638363X"), "not hex");
        assertThrows(IllegalArgumentException.class, () -> BoardSerial.parse(""));
    }
}
