package io.flashrig.agent.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
