package dev.releasepilot.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Per-source ingest counters. {@code reason} values are fixed strings chosen in this package. */
public final class IngestMetrics {
    private final MeterRegistry registry;
    private final String source;
    private final Counter received;

    public IngestMetrics(MeterRegistry registry, String source) {
        this.registry = registry;
        this.source = source;
        this.received = Counter.builder("release_pilot_signals_received_total").tag("source", source)
                .description("Valid signals accepted from a source").register(registry);
    }

    /**
     * {@code release_pilot_samples_ingested_total{source}}: every sample decoded from a source, counted
     * before rule filtering (the pre-filter, the store's own limits and checks come after).
     */
    public static Counter samplesIngested(MeterRegistry registry, SampleSource source) {
        return Counter.builder("release_pilot_samples_ingested_total").tag("source", source.label())
                .description("Samples decoded from a source, before rule filtering").register(registry);
    }

    public void received(int n) {
        received.increment(n);
    }

    public void rejected(String reason) {
        rejected(reason, 1);
    }

    public void rejected(String reason, int n) {
        if (n > 0) {
            registry.counter("release_pilot_signals_rejected_total", "source", source, "reason", reason).increment(n);
        }
    }

    /**
     * Samples that were valid but not kept: {@code unmatched} (no rule selects the metric) and
     * {@code native_histogram} (the windows hold floats). Called once per request with the count, so
     * the per-sample cost of dropping stays a counter add.
     */
    public void samplesDropped(String reason, int n) {
        if (n > 0) {
            registry.counter("release_pilot_samples_dropped_total", "reason", reason).increment(n);
        }
    }
}
