package io.flashrig.server.rig;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Rigs connected now, read from the database at scrape time (the Prometheus route runs on a worker thread), so that
 * every replica reports the same number.
 */
@Startup
@ApplicationScoped
public class RigMetrics {

    RigMetrics(MeterRegistry registry, RigRegistry rigs) {
        Gauge.builder("flashrig.rigs.connected", rigs, RigRegistry::connectedCount)
                .description("Rigs whose event stream is open").strongReference(true).register(registry);
    }
}
