package io.flashrig.server.board;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Boards flashed by outcome and how long an attempt took, recorded once its end is committed; board events rejected
 * instead of applied, by rig.
 */
@ApplicationScoped
public class BoardMetrics {

    private final MeterRegistry registry;

    BoardMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void attemptEnded(String outcome, Duration duration) {
        Counter.builder("flashrig.boards.flashed").description("Flash attempts that ended, by outcome")
                .tag("outcome", outcome).register(registry).increment();
        Timer.builder("flashrig.flash.duration").description("From a board's detection to the end of its attempt")
                .tag("outcome", outcome).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry).record(duration.isNegative() ? Duration.ZERO : duration);
    }

    void eventsRejected(String rig, int count) {
        if (count > 0) {
            Counter.builder("flashrig.board.events.rejected")
                    .description("Board events recorded as rejected (malformed, or refused by the database), by rig")
                    .tag("rig", rig).register(registry).increment(count);
        }
    }
}
