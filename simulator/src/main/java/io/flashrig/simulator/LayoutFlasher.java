package io.flashrig.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@code -w layout.tsv}: downloads and starts each partition with the real tool's output, taking the board's flash
 * time split over the partitions by size, and fails the way the board's {@link Behaviour} says.
 */
final class LayoutFlasher {

    /** The bar is 50 characters wide, so a redraw every 2 % moves it by one. */
    private static final int BAR_WIDTH = 50;
    private static final int FRAMES = 50;
    /** A hanging board gets this far into its first partition: enough to look alive before it stops. */
    private static final int FRAMES_BEFORE_HANG = 10;

    private final Connection connection;
    private final Console console;

    LayoutFlasher(Connection connection, Console console) {
        this.connection = connection;
        this.console = console;
    }

    void flash(FlashLayout layout) throws InterruptedException {
        BoardState board = connection.board();
        Behaviour behaviour = board.behaviour();
        List<FlashLayout.Partition> partitions = layout.partitions();
        for (int index = 0; index < partitions.size(); index++) {
            FlashLayout.Partition partition = partitions.get(index);
            boolean first = index == 0;
            download(partition, share(board.flashMillis(), partition, layout), first && behaviour == Behaviour.HANG);
            console.line("RUNNING Program ...");
            console.line("  PartID:      :" + partition.hexId());
            console.line("");
            if (behaviour == Behaviour.NOISY_FAIL) {
                ShopFloorNoise.print(console, board.noiseLines(), partition.hexId());
            }
            if (behaviour == Behaviour.FAIL || behaviour == Behaviour.NOISY_FAIL) {
                throw new ToolError("Error: Start operation failed at partition " + partition.hexId());
            }
            console.line("Start operation done successfully at partition " + partition.hexId());
            console.line("");
            if (first && behaviour == Behaviour.REENUMERATE) {
                connection.reenumerate();
            }
        }
        if (behaviour == Behaviour.EXIT_ZERO_WITH_ERROR) {
            console.line("Error: TSV flashing service failed");
            return;
        }
        connection.update(BoardState::flashed);
        console.line("Flashing service completed successfully");
    }

    private void download(FlashLayout.Partition partition, long millis, boolean hang) throws InterruptedException {
        console.line("Opening and parsing file: " + partition.binary().getFileName());
        console.line("  File          : " + partition.binary().getFileName());
        console.line("  Size          : " + size(partition.size()));
        console.line("  Partition ID  : " + partition.hexId());
        console.line("");
        console.line("Download in Progress:");
        long started = System.nanoTime();
        for (int frame = 0; frame <= FRAMES; frame++) {
            if (frame > 0) {
                connection.pause(millis * frame / FRAMES - millis * (frame - 1) / FRAMES);
            }
            int percent = frame * 100 / FRAMES;
            int filled = percent * BAR_WIDTH / 100;
            console.redraw("[" + "=".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] " + percent + "%");
            if (hang && frame == FRAMES_BEFORE_HANG) {
                // Nothing ever counts this down: like the real tool stuck on a board, only a kill ends the run.
                new CountDownLatch(1).await();
            }
        }
        console.line("");
        console.line("File download complete");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        console.line("Time elapsed during download operation: " + hoursToMillis(elapsed));
        console.line("");
    }

    /** A partition's part of the board's flash time, by size; equal parts if every binary is empty. */
    private static long share(long flashMillis, FlashLayout.Partition partition, FlashLayout layout) {
        long total = layout.totalSize();
        return total == 0 ? flashMillis / layout.partitions().size() : flashMillis * partition.size() / total;
    }

    /** Sizes as the real tool prints them, with a decimal comma: {@code 220,40 KB}. */
    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " Bytes";
        }
        boolean megabytes = bytes >= 1024 * 1024;
        double value = megabytes ? bytes / (1024.0 * 1024.0) : bytes / 1024.0;
        return String.format(Locale.ROOT, "%.2f", value).replace('.', ',') + (megabytes ? " MB" : " KB");
    }

    private static String hoursToMillis(Duration duration) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", duration.toHours(), duration.toMinutesPart(),
                duration.toSecondsPart(), duration.toMillisPart());
    }
}
