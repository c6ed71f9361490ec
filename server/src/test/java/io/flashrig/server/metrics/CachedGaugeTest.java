package io.flashrig.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A scrape storm reads the database once per cache window: counted, on a clock the test moves. */
class CachedGaugeTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicInteger queries = new AtomicInteger();

    private double query() {
        return 100 + queries.incrementAndGet();
    }

    @Test
    void scrapesWithinTheWindowRunNoQuery() {
        CachedGauge gauge = new CachedGauge(this::query, Duration.ofSeconds(5), now::get);
        for (int scrape = 0; scrape < 1_000; scrape++) {
            assertEquals(101, gauge.value());
            now.addAndGet(Duration.ofMillis(4).toNanos());
        }
        assertEquals(1, queries.get(), "1000 scrapes within 4 s ran more than one query");

        now.set(1_000 + Duration.ofSeconds(5).toNanos());
        assertEquals(102, gauge.value(), "a value 5 s old was reported again");
        assertEquals(102, gauge.value());
        assertEquals(2, queries.get());
    }

    @Test
    void aFailedReadIsTriedAgainOnTheNextScrape() {
        AtomicInteger calls = new AtomicInteger();
        CachedGauge gauge = new CachedGauge(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("database away");
            }
            return 7;
        }, Duration.ofSeconds(5), now::get);
        assertThrows(IllegalStateException.class, gauge::value);
        assertEquals(7, gauge.value());
        assertEquals(7, gauge.value());
        assertEquals(2, calls.get());
    }

    @Test
    void theRegisteredGaugeReportsTheSource() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CachedGauge.register(registry, "test.level", "a level", this::query);
        assertEquals(101, registry.get("test.level").gauge().value());
    }
}
