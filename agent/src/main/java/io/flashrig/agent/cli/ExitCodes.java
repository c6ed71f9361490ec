package io.flashrig.agent.cli;

/** The agent's exit codes; each command's help lists them. */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** An unexpected internal error. */
    public static final int INTERNAL = 1;
    /** A bad option or setting, or a plaintext server URL the token must not go to (picocli's own usage errors also exit with 2). */
    public static final int USAGE = 2;
    /** The flash layout is unreadable or names a missing binary. */
    public static final int LAYOUT = 3;
    /** STM32_Programmer_CLI was not found or cannot be run. */
    public static final int PROGRAMMER = 4;
    /** The server is unreachable or refused the token. */
    public static final int SERVER = 5;
    /** Boards cannot be watched (no USB access and no working programmer listing). */
    public static final int USB = 6;
    /** The state directory cannot be created or written. */
    public static final int STATE_DIR = 7;
    /** The label printer cannot be reached or did not take the label ({@code label}, {@code doctor}). */
    public static final int LABEL_PRINTER = 8;
    /** The server has no label for the board: no MAC on record, not yet verified, or scrapped ({@code label}). */
    public static final int NO_LABEL = 9;

    /** The exit codes as every command's help lists them (a compile-time constant, as annotations need). */
    public static final String FOOTER = "%nExit codes:%n"
            + "  0  success%n"
            + "  1  internal error%n"
            + "  2  bad option or setting, or a plaintext http:// server not on this computer without --insecure%n"
            + "  3  flash layout unreadable, or a binary it names is missing%n"
            + "  4  STM32_Programmer_CLI not found or not runnable%n"
            + "  5  server unreachable or token refused%n"
            + "  6  boards cannot be watched%n"
            + "  7  state directory unusable%n"
            + "  8  label printer unreachable (label, doctor)%n"
            + "  9  the server has no label for that board (label)%n";

    private ExitCodes() {
    }

    /** Prints the failure as the one line a command ends with, and returns its exit code. */
    static int report(Failure failure) {
        System.err.println("flashrig-agent: " + failure.getMessage());
        return failure.exitCode();
    }

    /** A failure the command reports in one line and ends with. */
    public static final class Failure extends Exception {
        private final int exitCode;

        public Failure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }
}
