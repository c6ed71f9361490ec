package io.flashrig.simulator;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code STM32_Programmer_CLI} against the simulated hub in {@code FLASHRIG_SIM_HUB}: the real tool's command line,
 * output and exit status, so the agent's process and parsing code runs unchanged in tests and in the demo.
 *
 * <p>Exit status: 0 when every command ran (and, as with the real tool, after {@code Error: TSV flashing service
 * failed} from a board that fails that way); 1 after any {@code Error:}; 130 when the run is interrupted.
 */
public final class ProgrammerSimulator {

    /** The version of the real tool whose output the simulator reproduces. */
    public static final String VERSION = "2.17.0";

    /** The status of a run stopped from outside, as a shell reports a process ended by Ctrl-C. */
    public static final int INTERRUPTED = 130;

    private ProgrammerSimulator() {
    }

    /** Runs one programmer invocation and exits with its status. */
    public static void main(String[] args) {
        // UTF-8 whatever the locale; Console flushes it whenever a line or a progress redraw is complete.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        int status = run(args, System.in, out, System.getenv());
        out.flush();
        System.exit(status);
    }

    /**
     * Runs one programmer invocation in this process, for tests.
     *
     * @param args        the command line, as the real tool takes it
     * @param in          standard input, read when a confirmation is asked without {@code -y}
     * @param out         standard output; the real tool prints its errors there too
     * @param environment {@code FLASHRIG_SIM_HUB} (the hub directory) and optionally {@code FLASHRIG_SIM_TIME_SCALE}
     * @return the exit status
     */
    public static int run(String[] args, InputStream in, PrintStream out, Map<String, String> environment) {
        Console console = new Console(out);
        console.banner();
        try {
            Arguments.Invocation invocation = Arguments.parse(args);
            Session session = new Session(console, in, environment, invocation.assumeYes());
            for (Command command : invocation.commands()) {
                command.run(session);
            }
            return 0;
        } catch (ToolError error) {
            error.lines().forEach(console::line);
            return 1;
        } catch (UncheckedIOException | IllegalStateException hubTrouble) {
            console.line("Error: simulated hub: " + hubTrouble.getMessage());
            return 1;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return INTERRUPTED;
        }
    }
}
