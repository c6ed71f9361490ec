package io.flashrig.agent.job;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Which USB devices on the hub report which serial, and the timer that tells a job its board stayed away for the
 * re-enumeration grace. It decides nothing about a job: it hands the job inputs ({@link FlashJob#absenceOutlastedGrace}),
 * and the job decides on them under its own lock.
 */
final class Presence implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Presence.class);

    private final Duration grace;
    private final Consumer<FlashJob> over;
    private final ScheduledExecutorService timer;
    private final Map<String, Set<String>> devices = new HashMap<>();

    /** @param over told of a job that is over once its board stayed away, so that the rig forgets it */
    Presence(Duration grace, Consumer<FlashJob> over) {
        this.grace = grace;
        this.over = over;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "board-absence");
            t.setDaemon(true);
            return t;
        });
    }

    /** A device reporting {@code serial} appeared; true when another device on the hub reports the same serial. */
    synchronized boolean arrived(String serial, String deviceId) {
        Set<String> seen = devices.computeIfAbsent(serial, k -> new HashSet<>());
        seen.add(deviceId);
        return seen.size() > 1;
    }

    /**
     * A device left; true when it was the last one reporting {@code serial}, so that the board is off the bus. False
     * also for a device whose arrival was never seen (e.g. dropped while the watcher was flooded): nothing to undo.
     */
    synchronized boolean left(String serial, String deviceId) {
        Set<String> seen = devices.get(serial);
        if (seen == null) {
            return false;
        }
        seen.remove(deviceId);
        if (!seen.isEmpty()) {
            return false;
        }
        devices.remove(serial);
        return true;
    }

    /** Has the job's absence judged whenever its board is found off the bus after a programmer step. */
    void track(FlashJob job) {
        job.onAbsentWhenIdle(this::judgeAbsenceLater);
    }

    /** Tells {@code job}, once the grace has passed, that its board stayed away; the job decides whether it is over. */
    void judgeAbsenceLater(FlashJob job) {
        if (!timer.isShutdown()) {
            timer.schedule(() -> judgeAbsence(job), grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void judgeAbsence(FlashJob job) {
        try {
            if (job.absenceOutlastedGrace()) {
                over.accept(job);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "judging the absence of board %s failed", job.serial());
        }
    }

    /** The serials some device on the hub reports. */
    synchronized Set<String> serials() {
        return Set.copyOf(devices.keySet());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
