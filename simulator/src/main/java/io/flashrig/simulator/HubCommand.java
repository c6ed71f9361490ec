package io.flashrig.simulator;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Drives the simulated hub from a shell, for the demo and for scripts:
 * <pre>
 * java -cp flashrig-simulator.jar io.flashrig.simulator.HubCommand --hub DIR plug SERIAL PORT_PATH [BEHAVIOUR] [MAC]
 * java -cp flashrig-simulator.jar io.flashrig.simulator.HubCommand --hub DIR unplug SERIAL
 * java -cp flashrig-simulator.jar io.flashrig.simulator.HubCommand --hub DIR list
 * </pre>
 * Without {@code --hub} the directory comes from {@code FLASHRIG_SIM_HUB}. Exit status: 0 done, 1 the hub could not
 * do it (serial already plugged, not plugged, directory unusable), 2 a wrong command line.
 */
public final class HubCommand {

    /** The command did what it was asked. */
    public static final int OK = 0;
    /** The hub could not do it: the serial is already plugged, or not plugged, or the directory is unusable. */
    public static final int FAILED = 1;
    /** The command line is wrong. */
    public static final int USAGE = 2;

    private static final String SYNOPSIS = "usage: HubCommand [--hub DIR] plug SERIAL PORT_PATH [BEHAVIOUR] [MAC]"
            + " | unplug SERIAL | list";

    private HubCommand() {
    }

    /** Runs one hub command and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.getenv()));
    }

    /**
     * Runs one hub command in this process.
     *
     * @return the exit status: {@link #OK}, {@link #FAILED} or {@link #USAGE}
     */
    public static int run(String[] args, PrintStream out, Map<String, String> environment) {
        List<String> words = Arrays.asList(args);
        String directory = environment.get(Session.HUB_VARIABLE);
        if (words.size() >= 2 && words.get(0).equals("--hub")) {
            directory = words.get(1);
            words = words.subList(2, words.size());
        }
        if (directory == null || directory.isBlank()) {
            return usage(out, "name the hub directory with --hub DIR or " + Session.HUB_VARIABLE);
        }
        if (words.isEmpty()) {
            return usage(out, "say what to do: plug, unplug or list");
        }
        try {
            SimulatedHub hub = new SimulatedHub(Path.of(directory));
            List<String> operands = words.subList(1, words.size());
            return switch (words.get(0)) {
                case "plug" -> plug(hub, operands, out);
                case "unplug" -> unplug(hub, operands, out);
                case "list" -> operands.isEmpty() ? list(hub, out) : usage(out, "list takes no arguments");
                default -> usage(out, "unknown command " + words.get(0));
            };
        } catch (IllegalArgumentException wrongValue) {
            return usage(out, wrongValue.getMessage());
        } catch (IllegalStateException | UncheckedIOException failure) {
            out.println(failure.getMessage());
            return FAILED;
        }
    }

    private static int plug(SimulatedHub hub, List<String> operands, PrintStream out) {
        if (operands.size() < 2 || operands.size() > 4) {
            return usage(out, "plug needs SERIAL PORT_PATH and optionally BEHAVIOUR and MAC");
        }
        SimulatedBoard board = SimulatedBoard.normal(operands.get(0), operands.get(1));
        if (operands.size() > 2) {
            board = board.withBehaviour(behaviour(operands.get(2)));
        }
        if (operands.size() > 3) {
            board = board.withMac(operands.get(3));
        }
        hub.plug(board);
        out.println("plugged " + board.serial() + " at " + board.portPath());
        return OK;
    }

    private static int unplug(SimulatedHub hub, List<String> operands, PrintStream out) {
        if (operands.size() != 1) {
            return usage(out, "unplug needs SERIAL");
        }
        if (!hub.unplug(operands.get(0))) {
            out.println("no board with serial " + operands.get(0) + " is plugged");
            return FAILED;
        }
        out.println("unplugged " + operands.get(0));
        return OK;
    }

    private static int list(SimulatedHub hub, PrintStream out) {
        String row = "%-26s %-10s %-6s %-8s %-10s %-10s %-7s %s%n";
        out.printf(Locale.ROOT, row, "SERIAL", "PORT", "STAGE", "ON BUS", "OTP57", "OTP58", "WRITES", "BRICKED");
        for (BoardState board : hub.boards()) {
            out.printf(Locale.ROOT, row, board.serial(), board.portPath(), board.stage(), yesNo(board.present()),
                    hex(board.otp57()), hex(board.otp58()), board.otp57Writes() + "/" + board.otp58Writes(),
                    yesNo(board.bricked()));
        }
        return OK;
    }

    private static Behaviour behaviour(String name) {
        try {
            return Behaviour.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("behaviour must be one of " + Arrays.toString(Behaviour.values())
                    + ": " + name);
        }
    }

    private static String yesNo(boolean flag) {
        return flag ? "yes" : "no";
    }

    private static String hex(long word) {
        return String.format(Locale.ROOT, "0x%08x", word);
    }

    private static int usage(PrintStream out, String problem) {
        out.println(problem);
        out.println(SYNOPSIS);
        return USAGE;
    }
}
