package io.flashrig.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** What the commands of one programmer run share: output, input, environment and the connection to a board. */
final class Session {

    static final String HUB_VARIABLE = "FLASHRIG_SIM_HUB";

    private final Console console;
    private final InputStream input;
    private final Map<String, String> environment;
    private final boolean assumeYes;
    private SimulatedHub hub;
    private SimulatedTime time;
    private Connection connection;

    Session(Console console, InputStream input, Map<String, String> environment, boolean assumeYes) {
        this.console = console;
        this.input = input;
        this.environment = environment;
        this.assumeYes = assumeYes;
    }

    Console console() {
        return console;
    }

    /** The hub named by {@code FLASHRIG_SIM_HUB}; only commands that touch boards need it. */
    SimulatedHub hub() {
        if (hub == null) {
            String directory = environment.get(HUB_VARIABLE);
            if (directory == null || directory.isBlank()) {
                throw new ToolError("Error: " + HUB_VARIABLE + " is not set");
            }
            hub = new SimulatedHub(Path.of(directory));
        }
        return hub;
    }

    SimulatedTime time() {
        if (time == null) {
            time = SimulatedTime.from(environment);
        }
        return time;
    }

    void connected(Connection newConnection) {
        connection = newConnection;
    }

    /** The board a {@code -c} before this command connected to. */
    Connection connection() {
        if (connection == null) {
            throw new ToolError("Error: no device connected: put -c port=usb sn=<serial> before this command");
        }
        return connection;
    }

    /**
     * Whether the operator agrees to an irreversible operation. Unless {@code -y} was given, the real tool asks and
     * waits on standard input, so a caller that forgets {@code -y} hangs here too.
     */
    boolean confirmed() {
        if (assumeYes) {
            return true;
        }
        console.line("Warning: This operation cannot be reverted and may brick your device.");
        console.line("Warning: Do you confirm ? [yes/no]");
        try {
            String answer = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8)).readLine();
            String word = answer == null ? "" : answer.trim().toLowerCase(Locale.ROOT);
            return word.equals("yes") || word.equals("y");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the answer from standard input", e);
        }
    }
}
