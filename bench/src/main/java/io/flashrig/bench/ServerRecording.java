package io.flashrig.bench;

import java.util.Map;

/** The server's environment that records it with Java Flight Recorder, when a bench's system property names a file. */
final class ServerRecording {

    private ServerRecording() {
    }

    /**
     * {@code JAVA_TOOL_OPTIONS} that record the server (profile settings, written when it stops) into the file the
     * system property {@code property} names; nothing when it is not set.
     */
    static Map<String, String> env(String property) {
        String file = System.getProperty(property);
        if (file == null) {
            return Map.of();
        }
        System.out.println("server recorded by JFR into " + file);
        return Map.of("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + file + ",settings=profile,dumponexit=true");
    }
}
