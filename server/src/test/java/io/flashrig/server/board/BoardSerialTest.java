package io.flashrig.server.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.proto.rig.v1.ErrorReason;
import io.flashrig.server.error.DomainException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoardSerialTest {

    @Test
    void upperCasesTheChipId() {
        assertEquals("003C00473430511536383630", BoardSerial.parse("003c00473430511536383630").value());
        assertEquals(new BoardSerial("002700223239511737383434"), BoardSerial.parse("002700223239511737383434"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "003C0047343051153638363", "003C004734305115363836300", "003C0047343051153638363G",
            "003C00473430511536383630\n", "000000000000000000000000"})
    void refusesAnythingElse(String text) {
        DomainException e = assertThrows(DomainException.class, () -> BoardSerial.parse(text));
        assertEquals(ErrorReason.ERROR_REASON_INVALID_SERIAL, e.reason());
        assertTrue(e.getMessage().length() > 20, e.getMessage());
    }

    @Test
    void saysWhyAllZerosIsRefused() {
        DomainException e = assertThrows(DomainException.class, () -> BoardSerial.parse("0".repeat(24)));
        assertTrue(e.getMessage().contains("cannot tell one board from another"), e.getMessage());
    }
}
