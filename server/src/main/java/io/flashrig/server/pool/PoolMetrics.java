package io.flashrig.server.pool;

import io.flashrig.server.metrics.CachedGauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * MACs still available in active ranges, read from the database when scraped (at most every few seconds, see
 * {@link CachedGauge}), so that every replica reports the same number and an alert fires before the pool runs dry.
 */
@Startup
@ApplicationScoped
public class PoolMetrics {

    PoolMetrics(MeterRegistry registry, PoolAdminService pool) {
        CachedGauge.register(registry, "flashrig.macs.available", "MAC addresses left in active ranges",
                pool::available);
    }
}
