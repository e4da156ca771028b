package dev.releasepilot.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The lease keeper's metrics; the service label comes from the rule file (bounded). */
public final class ClusterMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> epochs = new ConcurrentHashMap<>(); // 0: not held here
    private final Counter renewFailures;

    public ClusterMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.renewFailures = Counter.builder("release_pilot_lease_renew_failures_total")
                .description("Lease rounds (heartbeat, renewal, reading leases) that failed: the database was not reached")
                .register(registry);
    }

    void renewFailed() {
        renewFailures.increment();
    }

    void acquired(String service, long epoch, boolean fromAnother) {
        epoch(service).set(epoch);
        if (fromAnother) {
            registry.counter("release_pilot_lease_takeovers_total", "service", service).increment();
        }
        registry.counter("release_pilot_lease_acquired_total", "service", service).increment();
    }

    void lost(String service) {
        epoch(service).set(0);
    }

    void held(Collection<String> services) {
        epochs.forEach((s, e) -> {
            if (!services.contains(s)) {
                e.set(0);
            }
        });
    }

    void fencedOut(String service) {
        registry.counter("release_pilot_lease_fenced_writes_refused_total", "service", service).increment();
    }

    private AtomicLong epoch(String service) {
        return epochs.computeIfAbsent(service, s -> {
            AtomicLong e = new AtomicLong();
            Gauge.builder("release_pilot_lease_held", e, v -> v.get() > 0 ? 1 : 0).tag("service", s)
                    .description("1 while this instance holds the service's lease").register(registry);
            Gauge.builder("release_pilot_lease_epoch", e, AtomicLong::get).tag("service", s)
                    .description("The epoch of the service's lease this instance holds (0: not held)").register(registry);
            return e;
        });
    }
}
