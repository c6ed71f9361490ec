package io.flashrig.agent.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.job.FlashJob;
import io.flashrig.agent.programmer.OtpReading;
import io.flashrig.contract.MacAddress;
import io.flashrig.proto.rig.v1.Slot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class TableOutputTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private FlashJob boardIn(TableOutput table, String serial, String slot, int order) {
        return new FlashJob(serial, Slot.newBuilder().setLabel(slot).setPowerUpOrder(order).build(), 0xDF11,
                "DFU in HS Mode", Clock.systemUTC(), table::show);
    }

    private String text() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aDoneBoardShowsItsSlotOrderMacAndTellsTheOperatorToUnplugIt() {
        TableOutput table = new TableOutput(new PrintStream(printed, true, StandardCharsets.UTF_8), false);
        FlashJob job = boardIn(table, "003C00473430511536383630", "3", 7);
        MacAddress mac = MacAddress.parse("04:D9:21:38:30:A8");
        job.flashStarted("FlashLayout_emmc.tsv", "0".repeat(64), Path.of("attempt.log"));
        job.flashed(Duration.ofSeconds(40));
        job.otpRead(new OtpReading.Holds(mac));
        job.macVerified(mac);
        job.done();
        table.close();

        String last = text().substring(text().lastIndexOf("SLOT"));
        String row = last.lines().filter(l -> l.contains("003C00473430511536383630")).findFirst().orElseThrow();
        assertTrue(row.matches("3 +7 +003C00473430511536383630 +done +100 +04:D9:21:38:30:A8 .*unplug now"), row);
        assertTrue(last.contains("MAC 04:D9:21:38:30:A8") && last.contains("unplugged"), last);
    }

    @Test
    void whileTheTableRedrawsInPlaceLogLinesJoinItsMessagesAndTheConsoleGetsThemBackAfter() {
        Logger root = Logger.getLogger("");
        List<Handler> before = List.of(root.getHandlers());
        TableOutput table = new TableOutput(new PrintStream(printed, true, StandardCharsets.UTF_8), true);
        Logger.getLogger("io.flashrig.agent.link").warning("server unreachable: connection refused");
        boardIn(table, "003C00473430511536383631", "1", 1);
        table.close();

        assertTrue(text().contains("WARNING server unreachable: connection refused"), text());
        assertEquals(before, List.of(root.getHandlers()));
    }
}
