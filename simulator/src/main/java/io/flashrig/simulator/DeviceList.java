package io.flashrig.simulator;

import java.util.List;
import java.util.Locale;

/** The output of {@code -l usb}: the boards on the bus, in the real tool's layout. */
final class DeviceList {

    private DeviceList() {
    }

    /**
     * Prints the boards that are on the bus now; a board in its re-enumeration gap is not. Without an interface the
     * real tool goes on to its ST-LINK probes, which the rig never has: that block ends in an {@code Error:} line the
     * caller must not take for a failed listing.
     */
    static void print(List<BoardState> boards, boolean allInterfaces, Console console) {
        List<BoardState> onBus = boards.stream().filter(BoardState::present).toList();
        console.line("=====  DFU Interface   =====");
        console.line("");
        if (onBus.isEmpty()) {
            console.line("No STM32 device in DFU mode connected");
            console.line("");
        } else {
            console.line("Total number of available STM32 device in DFU mode: " + onBus.size());
            console.line("");
            for (int index = 0; index < onBus.size(); index++) {
                BoardState board = onBus.get(index);
                console.line("  Device Index           : USB" + (index + 1));
                console.line("  USB Bus Number         : " + threeDigits(board.usbBus()));
                console.line("  USB Address Number     : " + threeDigits(board.usbAddress()));
                console.line("  Product ID             : " + board.stage().productString());
                console.line("  Serial number          : " + board.serial());
                console.line("  Firmware version       : 0x0110");
                console.line("  Device ID              : 0x0500");
                console.line("");
            }
        }
        if (allInterfaces) {
            console.line("===== STLink Interface =====");
            console.line("");
            console.line("Error: No STLink detected!");
            console.line("");
        }
    }

    private static String threeDigits(int number) {
        return String.format(Locale.ROOT, "%03d", number);
    }
}
