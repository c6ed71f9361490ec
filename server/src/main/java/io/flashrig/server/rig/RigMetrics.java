package io.flashrig.server.rig;

import io.flashrig.server.metrics.CachedGauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Rigs connected now, read from the database when scraped (at most every few seconds, see {@link CachedGauge}), so
 * that every replica reports the same number.
 */
@Startup
@ApplicationScoped
public class RigMetrics {

    RigMetrics(MeterRegistry registry, RigRegistry rigs) {
        CachedGauge.register(registry, "flashrig.rigs.connected", "Rigs whose event stream is open",
                rigs::connectedCount);
    }
}
