package io.flashrig.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * A gauge read from the database at most once per {@link #FRESH_FOR}, however often it is scraped: several
 * Prometheus servers, or one misconfigured to scrape every second, must not turn into a stream of aggregate queries on
 * the database every replica shares. A few seconds old is fresh enough for an alert that warns hours ahead.
 */
public final class CachedGauge {

    /** How long a value read from the database is reported before it is read again. */
    static final Duration FRESH_FOR = Duration.ofSeconds(5);

    private final DoubleSupplier source;
    private final long freshForNanos;
    private final LongSupplier nanoTime;
    private double value;
    private long readAt;
    private boolean read;

    CachedGauge(DoubleSupplier source, Duration freshFor, LongSupplier nanoTime) {
        this.source = source;
        this.freshForNanos = freshFor.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Registers the gauge {@code name}, its value read from {@code source} at most once per {@link #FRESH_FOR}. */
    public static void register(MeterRegistry registry, String name, String description, DoubleSupplier source) {
        CachedGauge cached = new CachedGauge(source, FRESH_FOR, System::nanoTime);
        Gauge.builder(name, cached, CachedGauge::value).description(description).strongReference(true)
                .register(registry);
    }

    /**
     * The value, read again once the last read is {@link #FRESH_FOR} old. Synchronised so that scrapes arriving
     * together wait for one query rather than each running its own (the Prometheus route runs on a worker thread). A
     * failed read is not remembered: the next scrape tries again.
     */
    synchronized double value() {
        long now = nanoTime.getAsLong();
        if (!read || now - readAt >= freshForNanos) {
            value = source.getAsDouble();
            readAt = now;
            read = true;
        }
        return value;
    }
}
