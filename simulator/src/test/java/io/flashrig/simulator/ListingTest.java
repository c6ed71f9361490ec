package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListingTest extends OnBench {

    private static final String BANNER = String.join("\n",
            "      -------------------------------------------------------------------",
            "                        STM32CubeProgrammer v2.17.0",
            "      -------------------------------------------------------------------",
            "");

    @Test
    void listsEveryBoardOnTheBusInTheRealLayout() {
        bench.hub.plug(SimulatedBoard.normal("002700223239511737383434", "3-1.2"));
        bench.hub.plug(SimulatedBoard.normal("003C00473430511536383630", "3-1.3"));

        Programmer.Result result = bench.programmer.run("-l", "usb");

        assertEquals(0, result.status());
        assertTrue(result.output().startsWith(BANNER), result.output());
        assertTrue(result.output().contains(String.join("\n",
                "=====  DFU Interface   =====",
                "",
                "Total number of available STM32 device in DFU mode: 2",
                "",
                "  Device Index           : USB1",
                "  USB Bus Number         : 003",
                "  USB Address Number     : 002",
                "  Product ID             : DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000",
                "  Serial number          : 002700223239511737383434",
                "  Firmware version       : 0x0110",
                "  Device ID              : 0x0500",
                "",
                "  Device Index           : USB2",
                "  USB Bus Number         : 003",
                "  USB Address Number     : 003",
                "")), result.output());
        assertTrue(result.output().contains("  Serial number          : 003C00473430511536383630\n"), result.output());
    }

    @Test
    void longOptionListsToo() {
        bench.hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));

        Programmer.Result result = bench.programmer.run("--list", "usb");

        assertEquals(0, result.status());
        assertTrue(result.output().contains("Serial number          : SN1"), result.output());
    }

    @Test
    void emptyHubHasNoDevice() {
        Programmer.Result result = bench.programmer.run("-l", "usb");

        assertEquals(0, result.status());
        assertTrue(result.output().contains("No STM32 device in DFU mode connected"), result.output());
        assertFalse(result.output().contains("Total number"), result.output());
    }

    @Test
    void boardInItsReenumerationGapIsNotListedAndComesBackAtANewAddressAsUBoot() throws Exception {
        bench.hub.plug(SimulatedBoard.normal("SN0", "1-1.2"));
        Programmer.Running flash = bench.plugAndStartFlashing(
                SimulatedBoard.normal("SN1", "1-1.3").withBehaviour(Behaviour.REENUMERATE).withTimes(1500, 30_000));
        int addressBefore = bench.hub.board("SN1").orElseThrow().usbAddress();
        flash.awaitOutput("Reconnecting the device ...");

        Programmer.Result duringGap = bench.programmer.run("-l", "usb");

        String listed = duringGap.output();
        assertTrue(listed.contains("Total number of available STM32 device in DFU mode: 1"), listed);
        assertFalse(listed.contains("SN1"), listed);
        assertTrue(listed.contains("  Serial number          : SN0\n"), listed);

        assertEquals(0, flash.finish().status());
        BoardState back = bench.hub.board("SN1").orElseThrow();
        assertTrue(back.present());
        assertNotEquals(addressBefore, back.usbAddress());
        assertTrue(bench.programmer.run("-l", "usb").output().contains(Stage.UBOOT.productString()));
    }

    @Test
    void listWithoutInterfaceAlsoReportsTheMissingStLink() {
        bench.hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));

        Programmer.Result result = bench.programmer.run("-l");

        assertEquals(0, result.status());
        assertTrue(result.output().contains("Serial number          : SN1"), result.output());
        assertTrue(result.output().contains("===== STLink Interface =====\n\nError: No STLink detected!"),
                result.output());
    }

    @Test
    void versionNamesTheRealToolsVersion() {
        for (String option : new String[] {"--version", "-version"}) {
            Programmer.Result result = bench.programmer.run(option);

            assertEquals(0, result.status());
            assertEquals(BANNER + "\nSTM32CubeProgrammer version: 2.17.0\n", result.output());
        }
    }

    @Test
    void versionNeedsNoHub() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        int status = ProgrammerSimulator.run(new String[] {"--version"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(output, true, StandardCharsets.UTF_8), Map.of());

        assertEquals(0, status);
    }

    @Test
    void listingWithoutHubSaysWhatIsMissing() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        int status = ProgrammerSimulator.run(new String[] {"-l", "usb"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(output, true, StandardCharsets.UTF_8), Map.of());

        assertEquals(1, status);
        assertTrue(output.toString(StandardCharsets.UTF_8).endsWith("Error: FLASHRIG_SIM_HUB is not set\n"));
    }

    @Test
    void unknownOptionIsAnErrorBeforeAnythingRuns() {
        bench.hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));

        Programmer.Result result = bench.programmer.run("-l", "usb", "--frobnicate");

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: Unknown command: --frobnicate"), result.output());
        assertFalse(result.output().contains("DFU Interface"), result.output());
    }

    @Test
    void otherInterfacesAreNotSimulated() {
        Programmer.Result result = bench.programmer.run("-l", "st-link");

        assertEquals(1, result.status());
        assertTrue(result.output().contains("Error: "), result.output());
    }

    @Test
    void noCommandPrintsTheUsage() {
        Programmer.Result result = bench.programmer.run();

        assertEquals(0, result.status());
        assertTrue(result.output().contains("-c,  --connect port=usb sn=<serial>"), result.output());
    }
}
