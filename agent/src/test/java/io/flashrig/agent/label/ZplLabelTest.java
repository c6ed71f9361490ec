package io.flashrig.agent.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

public class ZplLabelTest {

    private static final Label LABEL = new Label("003C00473430511536383601", "04:D9:21:00:10:00",
            Instant.parse("2026-12-07T23:30:00Z"), "line-2 rig");

    @Test
    void theBuiltInLabelIsOneDocumentWithSerialMacQrCodeDateAndRig() {
        String zpl = ZplLabel.builtIn().render(LABEL, ZoneOffset.UTC);
        assertWellFormed(zpl);
        assertTrue(zpl.contains("^FDS/N 003C00473430511536383601^FS"), zpl);
        assertTrue(zpl.contains("^FDMAC 04:D9:21:00:10:00^FS"), zpl);
        assertTrue(zpl.matches("(?s).*\\^BQN,2,\\d+\\^FDQA,04:D9:21:00:10:00\\^FS.*"), zpl);
        assertTrue(zpl.contains("2026-12-07"), zpl);
        assertTrue(zpl.contains("line-2 rig"), zpl);
        assertFalse(zpl.contains("${"), zpl);
    }

    @Test
    void theDateIsTheRigsCalendarDay() {
        // 23:30 UTC is already the next day in Shenzhen.
        assertTrue(ZplLabel.builtIn().render(LABEL, ZoneId.of("Asia/Shanghai")).contains("2026-12-08"));
    }

    @Test
    void aFieldFromOutsideCannotCarryAZplCommandOrEndTheDocument() {
        Label hostile = new Label("003C^XZ~JA\n^XA^FDx", "04:D9:21:00:10:00", Instant.EPOCH, "rig\u0000^PQ999" + "x".repeat(200));
        String zpl = ZplLabel.builtIn().render(hostile, ZoneOffset.UTC);
        assertWellFormed(zpl);
        assertTrue(zpl.contains("^FDS/N 003CXZJAXAFDx^FS"), zpl);
        assertFalse(zpl.contains("^PQ"), zpl);
        assertFalse(zpl.contains("~JA"), zpl);
        assertEquals(Label.MAX_FIELD, hostile.rig().length());
    }

    @Test
    void aTemplateGetsItsNamedPlaceholdersFilled() {
        ZplLabel custom = ZplLabel.of("""
                ^XA
                ^FO10,10^FD${rig} ${date}^FS
                ^FO10,40^BQN,2,4^FDMA,${mac}^FS
                ^FO10,90^FD${serial} costs $5^FS
                ^XZ""");
        String zpl = custom.render(LABEL, ZoneOffset.UTC);
        assertWellFormed(zpl);
        assertTrue(zpl.contains("^FDline-2 rig 2026-12-07^FS"), zpl);
        assertTrue(zpl.contains("^FDMA,04:D9:21:00:10:00^FS"), zpl);
        assertTrue(zpl.contains("^FD003C00473430511536383601 costs $5^FS"), zpl);
    }

    @Test
    void aTemplateWithAnUnknownPlaceholderIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZplLabel.of("^XA^FD${serial} ${batch}^FS^XZ"));
        assertEquals("names the unknown placeholder ${batch}: use ${serial}, ${mac}, ${date}, ${rig}", e.getMessage());
    }

    @Test
    void aTemplateThatIsNotOneLabelIsRefused() {
        for (String text : new String[] {"", "^FD${serial}^FS^XZ", "^XA^FD${serial}^FS", "hello"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZplLabel.of(text), text);
            assertTrue(e.getMessage().contains("must start with ^XA and end with ^XZ"), e.getMessage());
        }
    }

    @Test
    void aPrinterIsATcpHostAndPort() {
        assertEquals("tcp://zebra-3:9100", TcpLabelPrinter.at("tcp://zebra-3:9100", Duration.ofSeconds(1)).name());
        assertEquals("tcp://10.0.0.7", TcpLabelPrinter.at(" tcp://10.0.0.7 ", Duration.ofSeconds(1)).name());
        for (String bad : new String[] {"zebra-3:9100", "http://zebra-3:9100", "tcp://", "tcp://zebra-3:9100/print", "tcp://a b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TcpLabelPrinter.at(bad, Duration.ofSeconds(1)), bad);
            assertTrue(e.getMessage().endsWith("is not a label printer: write tcp://HOST:9100 (the printer's raw TCP port)"), e.getMessage());
        }
    }

    /** One ^XA … ^XZ document: opened once at the start, closed once at the end. */
    public static void assertWellFormed(String zpl) {
        String body = zpl.strip();
        assertTrue(body.startsWith("^XA"), zpl);
        assertTrue(body.endsWith("^XZ"), zpl);
        assertEquals(1, body.split("\\^XA", -1).length - 1, zpl);
        assertEquals(1, body.split("\\^XZ", -1).length - 1, zpl);
    }
}
