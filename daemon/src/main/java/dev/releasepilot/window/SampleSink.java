package dev.releasepilot.window;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where ingest hands decoded samples (remote_write, NATS, HAProxy stats, probes). Implementations
 * never block and may be called from any event loop.
 */
public interface SampleSink {
    /**
     * A cheap pre-filter on the metric name alone: false means no rule selects any series of this
     * metric, so the caller drops the sample (counted as unmatched) without building its labels.
     */
    boolean wantsMetric(String metricName);

    /** A new batch, for the calling thread only. */
    Appender appender();

    /**
     * Takes a list of samples as one batch. The future completes once they are in the windows; it fails
     * (the sender should retry later) when the store is over its limits.
     */
    default Future<Void> accept(List<Sample> samples) {
        Appender batch = appender();
        for (Sample s : samples) {
            batch.append(s.labels(), s.timestampMs(), s.value());
        }
        return batch.commit();
    }
}
