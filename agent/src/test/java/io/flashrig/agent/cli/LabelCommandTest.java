package io.flashrig.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.label.FakeLabelPrinter;
import io.flashrig.agent.label.ZplLabelTest;
import io.flashrig.agent.link.TestRigServer;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code label SERIAL} and the label options of {@code run}: the server's record on the printer, and one-line refusals. */
@QuarkusMainTest
class LabelCommandTest {

    private static final String SERIAL = "003C0047343051153638F0F1";

    @TempDir
    Path dir;

    private TestRigServer server;
    private FakeLabelPrinter printer;

    @BeforeEach
    void start() throws Exception {
        server = new TestRigServer().start();
        printer = new FakeLabelPrinter();
    }

    @AfterEach
    void stop() throws Exception {
        printer.close();
        server.stop();
    }

    @Test
    void aReprintIsTheServersRecordOnThePrinter(QuarkusMainLauncher launcher) {
        String mac = server.assignFor(SERIAL).canonical();
        server.markFused(SERIAL);

        LaunchResult result = launcher.launch("label", " " + SERIAL.toLowerCase() + " ", "--server", server.url(),
                "--token", TestRigServer.TOKEN, "--label-printer", printer.uri());

        assertEquals(ExitCodes.OK, result.exitCode(), result.getErrorOutput());
        assertEquals("printed the label of board " + SERIAL + " (MAC " + mac + ", rig rig-a) on " + printer.uri(), result.getOutput().strip());
        assertEquals(1, printer.received().size());
        String zpl = printer.received().get(0);
        ZplLabelTest.assertWellFormed(zpl);
        assertTrue(zpl.contains(SERIAL) && zpl.contains("^FDMAC " + mac + "^FS") && zpl.contains("^BQN") && zpl.contains("rig-a"), zpl);
    }

    @Test
    void theHelpNamesTheTemplatesPlaceholdersAsTheyAreWritten(QuarkusMainLauncher launcher) {
        LaunchResult help = launcher.launch("label", "--help");
        assertEquals(0, help.exitCode());
        // picocli reads ${...} in a description as a variable of its own; the operator must see the placeholders.
        String text = help.getOutput().replaceAll("\\s+", " ");
        assertTrue(text.contains("placeholders ${serial}, ${mac}, ${date}, ${rig}"), text);
    }

    @Test
    void aBoardTheServerHasNoLabelForIsExitNineInOneLine(QuarkusMainLauncher launcher) {
        LaunchResult unknown = launcher.launch("label", SERIAL, "--server", server.url(), "--token", TestRigServer.TOKEN,
                "--label-printer", printer.uri());
        assertEquals(ExitCodes.NO_LABEL, unknown.exitCode());
        assertEquals("flashrig-agent: no label for board " + SERIAL + ": NOT_FOUND: No MAC was ever assigned to board " + SERIAL
                + ", so it has no label. (BOARD_NOT_FOUND)", unknown.getErrorOutput().strip());

        server.assignFor(SERIAL);
        LaunchResult unverified = launcher.launch("label", SERIAL, "--server", server.url(), "--token", TestRigServer.TOKEN,
                "--label-printer", printer.uri());
        assertEquals(ExitCodes.NO_LABEL, unverified.exitCode());
        assertTrue(unverified.getErrorOutput().strip().endsWith("(MAC_NOT_VERIFIED)"), unverified.getErrorOutput());
        assertEquals(0, printer.received().size());
    }

    @Test
    void aPrinterThatIsAwayIsExitEight(QuarkusMainLauncher launcher) throws Exception {
        server.assignFor(SERIAL);
        server.markFused(SERIAL);
        String away = "tcp://127.0.0.1:" + FakeLabelPrinter.awayPort();
        LaunchResult result = launcher.launch("label", SERIAL, "--server", server.url(), "--token", TestRigServer.TOKEN,
                "--label-printer", away);
        assertEquals(ExitCodes.LABEL_PRINTER, result.exitCode());
        assertTrue(result.getErrorOutput().strip().startsWith("flashrig-agent: the label printer " + away + " cannot be reached: "),
                result.getErrorOutput());
        assertEquals(1, result.getErrorOutput().strip().lines().count(), result.getErrorOutput());
    }

    @Test
    void aSerialThatIsNoneOrNoPrinterIsExitTwo(QuarkusMainLauncher launcher) {
        LaunchResult malformed = launcher.launch("label", "^XA^FD", "--server", server.url(), "--token", TestRigServer.TOKEN,
                "--label-printer", printer.uri());
        assertEquals(ExitCodes.USAGE, malformed.exitCode());
        assertTrue(malformed.getErrorOutput().strip().startsWith("flashrig-agent: "), malformed.getErrorOutput());
        LaunchResult noPrinter = launcher.launch("label", SERIAL, "--server", server.url(), "--token", TestRigServer.TOKEN);
        assertEquals("flashrig-agent: no label printer given: use --label-printer tcp://HOST:9100", noPrinter.getErrorOutput().strip());
        assertEquals(ExitCodes.USAGE, noPrinter.exitCode());
    }

    @Test
    void doctorSaysWhetherThePrinterTakesConnectionsAndPrintsNothing(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult up = launcher.launch("doctor", "--server", server.url(), "--token", TestRigServer.TOKEN, "--state-dir",
                dir.toString(), "--layout", "/nonexistent/FlashLayout.tsv", "--label-printer", printer.uri());
        assertTrue(up.getOutput().contains("OK   label printer " + printer.uri() + " takes connections"), up.getOutput());
        assertTrue(printer.received().stream().allMatch(String::isEmpty), "doctor printed " + printer.received());

        String away = "tcp://127.0.0.1:" + FakeLabelPrinter.awayPort();
        LaunchResult down = launcher.launch("doctor", "--server", server.url(), "--token", TestRigServer.TOKEN, "--state-dir",
                dir.toString(), "--layout", "/nonexistent/FlashLayout.tsv", "--label-printer", away);
        assertTrue(down.getOutput().contains("FAIL label printer " + away + " cannot be reached: "), down.getOutput());
    }

    @Test
    void runRefusesABadPrinterOrTemplateBeforeItStarts(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult printerUrl = launcher.launch("run", "--server", server.url(), "--token", TestRigServer.TOKEN, "--layout", "x.tsv",
                "--label-printer", "http://zebra:9100");
        assertEquals(ExitCodes.USAGE, printerUrl.exitCode());
        assertEquals("flashrig-agent: --label-printer: 'http://zebra:9100' is not a label printer: write tcp://HOST:9100 (the printer's"
                + " raw TCP port)", printerUrl.getErrorOutput().strip());

        Path template = Files.writeString(dir.resolve("label.zpl"), "^XA^FO10,10^FD${serial} ${lot}^FS^XZ");
        LaunchResult unknown = launcher.launch("run", "--server", server.url(), "--token", TestRigServer.TOKEN, "--layout", "x.tsv",
                "--label-printer", printer.uri(), "--label-template", template.toString());
        assertEquals(ExitCodes.USAGE, unknown.exitCode());
        assertEquals("flashrig-agent: the label template " + template + " names the unknown placeholder ${lot}: use ${serial}, ${mac},"
                + " ${date}, ${rig}", unknown.getErrorOutput().strip());

        Path notZpl = Files.writeString(dir.resolve("label.txt"), "S/N ${serial}");
        LaunchResult notALabel = launcher.launch("run", "--server", server.url(), "--token", TestRigServer.TOKEN, "--layout", "x.tsv",
                "--label-printer", printer.uri(), "--label-template", notZpl.toString());
        assertEquals("flashrig-agent: the label template " + notZpl + " is not one ZPL label: it must start with ^XA and end with ^XZ",
                notALabel.getErrorOutput().strip());
    }
}
