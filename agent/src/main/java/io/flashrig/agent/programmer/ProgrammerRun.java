package io.flashrig.agent.programmer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one programmer process.
 *
 * @param exitCode the exit status; -1 when it never started or was killed
 * @param timedOut true when the timeout killed it (and its descendants)
 * @param startFailure why it could not be started; empty when it ran
 * @param errors every {@code Error:} line, in order (never cut, however long the output)
 * @param tail the last lines of the output, oldest first (at most {@link #TAIL_LINES})
 * @param sawSuccessLine true when the operation's success line appeared
 * @param outputReadToEnd false when the agent stopped waiting for its own handling of the output before the end: the
 *                        verdict's lines may be among what was not read
 * @param elapsed how long it ran
 */
public record ProgrammerRun(int exitCode, boolean timedOut, Optional<String> startFailure, List<String> errors,
        List<String> tail, boolean sawSuccessLine, boolean outputReadToEnd, Duration elapsed) {

    /** How many lines of output a run keeps for reports; the whole output is in the attempt's log. */
    public static final int TAIL_LINES = 20;

    public ProgrammerRun {
        errors = List.copyOf(errors);
        tail = List.copyOf(tail);
    }

    /**
     * The tool's exit status is not a reliable verdict: it has been seen to exit 0 after {@code Error:} lines. Success
     * is exit 0 AND the success line AND no error line.
     */
    public boolean succeeded() {
        return startFailure.isEmpty() && !timedOut && outputReadToEnd && exitCode == 0 && sawSuccessLine && errors.isEmpty();
    }

    /** One sentence saying why the run failed, for the operator and the board's record. */
    public String failureMessage() {
        if (startFailure.isPresent()) {
            return "the programmer could not be started: " + startFailure.get();
        }
        if (timedOut) {
            return "the programmer did not finish within " + Durations.format(elapsed) + " and was killed";
        }
        if (!errors.isEmpty()) {
            return errors.get(0);
        }
        if (!outputReadToEnd) {
            return "the agent could not take in the programmer's output to its end (exit status " + exitCode + "); the attempt's log holds what was read";
        }
        if (exitCode != 0) {
            return "the programmer exited with status " + exitCode;
        }
        return "the programmer ended without reporting success";
    }
}
