package dev.releasepilot.window;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The window stage's metrics; the drop reason label comes from {@link DropReason} only. */
final class WindowMetrics {
    private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
    private final Counter coalesced;

    WindowMetrics(MeterRegistry registry, AtomicInteger activeSeries) {
        for (DropReason r : DropReason.values()) {
            dropped.put(r, Counter.builder("release_pilot_samples_dropped_total").tag("reason", r.label())
                    .description("Samples the windows did not keep, by reason").register(registry));
        }
        coalesced = Counter.builder("release_pilot_samples_coalesced_total")
                .description("Samples that replaced the newest one of a full ring because the sender samples faster"
                        + " than the configured resolution").register(registry);
        Gauge.builder("release_pilot_series_active", activeSeries, AtomicInteger::get)
                .description("Series held in the windows").register(registry);
    }

    void dropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    void coalesced() {
        coalesced.increment();
    }
}
