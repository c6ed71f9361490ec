package io.flashrig.bench;

import java.time.Duration;

/**
 * Uncounted rounds before a benchmark's figures, until the server's JIT compilers go quiet: the figures are then those of
 * a server that has run for a while, as a factory's has, not of one still compiling. On 2 busy cores C2 still took
 * 15-18 % of the machine 22 s into a run, and assignment rounds measured then came out 10-20 % lower than after 45 s.
 */
final class WarmUp {

    /** How a server counts as warm: its compilers used less than this share of a core during the last round. */
    private static final double QUIET_SHARE = 0.05;
    private static final Duration MIN = Duration.ofSeconds(10);
    private static final Duration MAX = Duration.ofSeconds(90);

    /** A round of load; it may throw what the benchmark's own rounds throw. */
    interface Round {
        void run() throws Exception;
    }

    /** How long the warm-up took, and the compilers' share of a core in its last round. */
    record Done(Duration took, double compilerShare) {

        String describe() {
            return String.format(java.util.Locale.ROOT, "%d s; the server's JIT compilers used %.0f %% of a core in its last round",
                    took.toSeconds(), compilerShare * 100);
        }
    }

    private WarmUp() {
    }

    /** Runs {@code round} for at least 10 s and until {@code serverPid}'s compilers are quiet, at most 90 s. */
    static Done untilCompiled(long serverPid, Round round) throws Exception {
        return untilQuiet(serverPid, MIN, MAX, round);
    }

    /**
     * Runs {@code round} for at least {@code min} and until {@code pid}'s compilers are quiet, at most {@code max}. A look
     * where the compilers' CPU went down (a compiler thread ended and took its CPU with it) says nothing: it is not taken
     * for quiet. Where the compilers cannot be read at all, the first round ends it.
     */
    static Done untilQuiet(long pid, Duration min, Duration max, Round round) throws Exception {
        long start = System.nanoTime();
        double share;
        boolean quiet;
        do {
            double compiled = ProcStat.compilerCpuSeconds(pid);
            long began = System.nanoTime();
            round.run();
            double now = ProcStat.compilerCpuSeconds(pid);
            share = (now - compiled) / ((System.nanoTime() - began) / 1e9);
            quiet = Double.isNaN(share) || (share >= 0 && share < QUIET_SHARE);
        } while (System.nanoTime() - start < min.toNanos() || !quiet && System.nanoTime() - start < max.toNanos());
        return new Done(Duration.ofNanos(System.nanoTime() - start), share);
    }
}
