package io.flashrig.agent.it;

import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_DONE;
import static io.flashrig.proto.rig.v1.FlashJobState.FLASH_JOB_STATE_FAILED;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.Eventually;
import io.flashrig.agent.label.FakeLabelPrinter;
import io.flashrig.agent.label.LabelNotice;
import io.flashrig.agent.label.LabelQueue;
import io.flashrig.agent.label.TcpLabelPrinter;
import io.flashrig.agent.label.ZplLabel;
import io.flashrig.agent.label.ZplLabelTest;
import io.flashrig.agent.link.TestRigServer;
import io.flashrig.simulator.Behaviour;
import io.flashrig.simulator.SimulatedBoard;
import io.flashrig.simulator.SimulatedHub;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labels from the real job machinery and the simulated programmer: one per verified MAC, none holding a board up. */
class LabelsAgainstSimulatorIT {

    @TempDir
    Path dir;

    @Test
    void boardsFinishWhileThePrinterIsAwayAndEachVerifiedMacGetsOneLabelOnceItComesUp() throws Exception {
        SimulatedHub hub = new SimulatedHub(dir.resolve("hub"));
        TestRigServer server = new TestRigServer().start();
        String blank = "003C0047343051153638A0B1";
        String carriesMac = "003C0047343051153638A0B2";
        String fails = "003C0047343051153638A0B3";
        int port = FakeLabelPrinter.awayPort();
        List<LabelNotice> notices = new CopyOnWriteArrayList<>();
        try (SimulatedRig rig = new SimulatedRig(dir.resolve("hub"), dir.resolve("state"), SimulatedRig.layout(dir.resolve("images")),
                server, 4, Duration.ofMinutes(5), UnaryOperator.identity());
                LabelQueue labels = LabelQueue.open(dir.resolve("state").resolve("label-queue"), new LabelQueue.Settings(100, 1000,
                        Duration.ofMillis(50), Duration.ofMillis(500), ZoneOffset.UTC), TcpLabelPrinter.at("tcp://127.0.0.1:" + port,
                        Duration.ofSeconds(5)), ZplLabel.builtIn(), () -> "rig-a", notices::add)) {
            rig.alsoTold = labels;
            hub.plug(SimulatedBoard.normal(blank, "1-1.1").withTimes(1500, 600));
            hub.plug(SimulatedBoard.normal(carriesMac, "1-1.2").withMac("04:D9:21:00:00:77").withTimes(1500, 600));
            hub.plug(SimulatedBoard.normal(fails, "1-1.3").withBehaviour(Behaviour.FAIL).withTimes(1500, 600));

            // The boards end while no label can be printed: a label never holds a board up.
            await().atMost(Eventually.LIMIT).until(() -> rig.settled(blank) && rig.settled(carriesMac) && rig.settled(fails));
            assertTrue(rig.reached(blank, FLASH_JOB_STATE_DONE), () -> rig.last(blank).toString());
            assertTrue(rig.reached(carriesMac, FLASH_JOB_STATE_DONE), () -> rig.last(carriesMac).toString());
            assertTrue(rig.reached(fails, FLASH_JOB_STATE_FAILED), () -> rig.last(fails).toString());
            await().atMost(Eventually.LIMIT).until(() -> labels.waiting() == 2);

            try (FakeLabelPrinter printer = new FakeLabelPrinter(port)) {
                await().atMost(Eventually.LIMIT).until(() -> labels.waiting() == 0);
                assertEquals(2, printer.received().size(), printer.received().toString());
                String mac = server.assigned().get(blank).canonical();
                String first = printer.received().stream().filter(l -> l.contains(blank)).findFirst().orElseThrow();
                ZplLabelTest.assertWellFormed(first);
                assertTrue(first.contains("^FDMAC " + mac + "^FS") && first.contains("^FDQA," + mac + "^FS"), first);
                String second = printer.received().stream().filter(l -> l.contains(carriesMac)).findFirst().orElseThrow();
                assertTrue(second.contains("04:D9:21:00:00:77"), second);
                assertTrue(printer.received().stream().noneMatch(l -> l.contains(fails)), "a failed board gets no label");
            }
            assertTrue(notices.stream().filter(n -> n.state() == LabelNotice.State.PRINTED).map(LabelNotice::serial).toList()
                    .containsAll(List.of(blank, carriesMac)), notices.toString());
        } finally {
            server.stop();
        }
    }
}
