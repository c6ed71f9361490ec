package io.flashrig.server.pool;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * MACs still available in active ranges, read from the database at scrape time (the Prometheus route runs on a worker
 * thread), so that every replica reports the same number and an alert fires before the pool runs dry.
 */
@Startup
@ApplicationScoped
public class PoolMetrics {

    PoolMetrics(MeterRegistry registry, PoolService pool) {
        Gauge.builder("flashrig.macs.available", pool, PoolService::available)
                .description("MAC addresses left in active ranges").strongReference(true).register(registry);
    }
}
