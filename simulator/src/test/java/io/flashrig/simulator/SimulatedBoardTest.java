package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SimulatedBoardTest {

    private static final SimulatedBoard BOARD = SimulatedBoard.normal("003C00473430511536383630", "1-1.3");

    @Test
    void macIsBurntLittleEndianIntoWords57And58() {
        SimulatedBoard burnt = BOARD.withMac("04:d9:21:38:30:a8");

        assertEquals(0x3821d904L, burnt.otp57());
        assertEquals(0x0000a830L, burnt.otp58());
    }

    @Test
    void uppercaseMacGivesTheSameWords() {
        assertEquals(BOARD.withMac("04:d9:21:38:30:a8"), BOARD.withMac("04:D9:21:38:30:A8"));
    }

    @Test
    void normalBoardIsBlankFastAndFlashesWithoutTrouble() {
        assertEquals(Behaviour.NORMAL, BOARD.behaviour());
        assertEquals(SimulatedBoard.DFU_PRODUCT_ID, BOARD.productId());
        assertEquals(0, BOARD.otp57());
        assertEquals(0, BOARD.otp58());
    }

    @Test
    void malformedMacIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BOARD.withMac("04:d9:21:38:30"));
        assertThrows(IllegalArgumentException.class, () -> BOARD.withMac("04-d9-21-38-30-a8"));
    }

    @Test
    void serialThatCouldEscapeTheHubDirectoryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SimulatedBoard.normal("../etc", "1-1.3"));
        assertThrows(IllegalArgumentException.class, () -> SimulatedBoard.normal("", "1-1.3"));
    }

    @Test
    void portPathMustNameBusAndPorts() {
        assertThrows(IllegalArgumentException.class, () -> SimulatedBoard.normal("SN1", "slot3"));
        assertThrows(IllegalArgumentException.class, () -> SimulatedBoard.normal("SN1", "1-"));
    }

    @Test
    void productIdIsOneOfTheDfuPids() {
        assertEquals("5720", BOARD.withProductId("5720").productId());
        assertThrows(IllegalArgumentException.class, () -> BOARD.withProductId("3748"));
    }

    @Test
    void negativeTimesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BOARD.withTimes(-1, 600));
    }
}
