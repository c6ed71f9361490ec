package io.flashrig.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Latency samples in nanoseconds, summarised as percentiles in milliseconds. */
final class Stats {

    private final List<Long> samples = new ArrayList<>();

    synchronized void add(long nanos) {
        samples.add(nanos);
    }

    synchronized void addAll(Stats other) {
        samples.addAll(other.snapshot());
    }

    synchronized List<Long> snapshot() {
        return new ArrayList<>(samples);
    }

    synchronized int count() {
        return samples.size();
    }

    /** The p-th percentile (0-100) in milliseconds, nearest rank; NaN when empty. */
    synchronized double percentileMillis(double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))) / 1e6;
    }
}
