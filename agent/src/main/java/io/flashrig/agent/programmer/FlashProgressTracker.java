package io.flashrig.agent.programmer;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows a {@code -w} run's output line by line and turns it into progress: which partition is being written, its
 * percentage (from the progress bar the tool redraws with carriage returns) and the whole layout's percentage
 * weighted by binary size.
 */
public final class FlashProgressTracker {

    /**
     * Progress at one moment.
     *
     * @param partitionId e.g. {@code 0x21}
     * @param partitionName from the layout; empty when unknown
     * @param partitionPercent 0–100
     * @param overallPercent 0–100
     */
    public record Progress(String partitionId, String partitionName, int partitionPercent, int overallPercent) {
    }

    private static final Pattern PARTITION = Pattern.compile("^\\s*Partition ID\\s*:\\s*(0x\\p{XDigit}+)\\s*$");
    private static final Pattern BAR = Pattern.compile("\\[[=\\s>#-]*]\\s*(\\d{1,3})\\s*%");

    private final FlashLayout layout;
    private final long totalBytes;
    private final Set<String> finished = new HashSet<>();
    private long finishedBytes;
    private String partitionId = "";
    private String partitionName = "";
    private long partitionSize;
    private int partitionPercent = -1;
    private boolean reconnecting;

    public FlashProgressTracker(FlashLayout layout) {
        this.layout = layout;
        this.totalBytes = layout.partitions().stream().mapToLong(FlashLayout.Partition::size).sum();
    }

    /** Reads one line; returns the new progress when the line moved it. */
    public Optional<Progress> accept(String line) {
        if (line.contains("Reconnecting the device")) {
            reconnecting = true;
        }
        // Most lines are progress redraws; the cheap look for their marks saves a regular expression per line.
        Matcher partition = line.contains("Partition ID") ? PARTITION.matcher(line) : null;
        if (partition != null && partition.matches()) {
            completeCurrent();
            partitionId = partition.group(1);
            Optional<FlashLayout.Partition> known = layout.partition(partitionId);
            partitionName = known.map(FlashLayout.Partition::name).orElse("");
            partitionSize = known.map(FlashLayout.Partition::size).orElse(0L);
            partitionPercent = 0;
            return Optional.of(progress());
        }
        if (partitionId.isEmpty() || line.indexOf('%') < 0) {
            return Optional.empty();
        }
        Matcher bar = BAR.matcher(line);
        if (bar.find()) {
            int percent = Math.min(100, Integer.parseInt(bar.group(1)));
            if (percent != partitionPercent) {
                partitionPercent = percent;
                return Optional.of(progress());
            }
        }
        return Optional.empty();
    }

    /** True once the tool said it reconnects to the board, i.e. the board re-enumerated during this run. */
    public boolean sawReconnect() {
        return reconnecting;
    }

    private void completeCurrent() {
        if (!partitionId.isEmpty() && finished.add(partitionId.toLowerCase())) {
            finishedBytes += partitionSize;
        }
    }

    private Progress progress() {
        int overall;
        if (totalBytes == 0) {
            overall = 0;
        } else {
            long done = finishedBytes + partitionSize * Math.max(0, partitionPercent) / 100;
            overall = (int) Math.min(100, done * 100 / totalBytes);
        }
        return new Progress(partitionId, partitionName, Math.max(0, partitionPercent), overall);
    }
}
