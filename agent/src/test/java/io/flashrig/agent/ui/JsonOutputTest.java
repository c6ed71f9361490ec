package io.flashrig.agent.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.label.LabelNotice;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class JsonOutputTest {

    private static final BoardEvent EVENT = BoardEvent.newBuilder().setSerial("003C00473430511536383630").build();

    @Test
    void jsonModePrintsOneObjectPerEventOnItsStream() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (OperatorOutput out = OperatorOutput.create("json", new PrintStream(printed, true, StandardCharsets.UTF_8), false, false)) {
            out.show(EVENT);
        }
        assertEquals("{\"serial\":\"003C00473430511536383630\"}", printed.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void aLabelsStateIsALineOfItsOwnKindAndPlainLinesSayItInWords() {
        LabelNotice queued = new LabelNotice("003C00473430511536383630", "04:D9:21:38:30:A8", LabelNotice.State.QUEUED,
                "the printer tcp://zebra:9100 is \"away\"");
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        try (OperatorOutput out = OperatorOutput.create("json", new PrintStream(json, true, StandardCharsets.UTF_8), false, false)) {
            out.label(queued);
        }
        assertEquals("{\"label\":{\"serial\":\"003C00473430511536383630\",\"mac\":\"04:D9:21:38:30:A8\",\"state\":\"QUEUED\","
                + "\"detail\":\"the printer tcp://zebra:9100 is \\\"away\\\"\"}}", json.toString(StandardCharsets.UTF_8).strip());

        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (OperatorOutput out = OperatorOutput.create("plain", new PrintStream(plain, true, StandardCharsets.UTF_8), false, false)) {
            out.label(queued);
            out.label(new LabelNotice("003C00473430511536383631", "04:D9:21:38:30:A9", LabelNotice.State.QUEUED, ""));
            out.label(new LabelNotice("003C00473430511536383630", "04:D9:21:38:30:A8", LabelNotice.State.PRINTED, ""));
        }
        List<String> lines = plain.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).endsWith("  Board 003C00473430511536383630: label queued (MAC 04:D9:21:38:30:A8; the printer"
                + " tcp://zebra:9100 is \"away\")"), lines.get(0));
        assertTrue(lines.get(1).endsWith("  Board 003C00473430511536383630: label printed (MAC 04:D9:21:38:30:A8)"), lines.get(1));
    }

    @Test
    void logModeSendsTheSameLineThroughTheLogAndNothingToTheStream() {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger events = Logger.getLogger(JsonOutput.EVENTS_CATEGORY);
        events.addHandler(capture);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (OperatorOutput out = OperatorOutput.create("log", new PrintStream(printed, true, StandardCharsets.UTF_8), false, false)) {
            out.show(EVENT);
        } finally {
            events.removeHandler(capture);
        }
        assertEquals(0, printed.size(), printed.toString(StandardCharsets.UTF_8));
        assertEquals(1, logged.size(), logged.toString());
        assertEquals(Level.INFO.intValue(), logged.get(0).getLevel().intValue());
        assertTrue(logged.get(0).getMessage().contains("\"serial\":\"003C00473430511536383630\""), logged.get(0).getMessage());
    }
}
