package dev.releasepilot.ingest;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Appender;
import dev.releasepilot.window.ListAppender;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SampleSink;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A SampleSink that keeps every sample it is handed, in arrival order, for tests to look at. */
public final class CollectingSink implements SampleSink {
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Integer> batches = new ConcurrentLinkedQueue<>();

    @Override
    public Appender appender() {
        return new ListAppender(this::accept);
    }

    @Override
    public boolean wantsMetric(String metricName) {
        return true;
    }

    @Override
    public Future<Void> accept(List<Sample> batch) {
        samples.addAll(batch);
        batches.add(batch.size());
        return Future.succeededFuture();
    }

    public List<Sample> all() {
        return new ArrayList<>(samples);
    }

    public int batches() {
        return batches.size();
    }

    /** Every sample of one exact series, in arrival order. */
    public List<Sample> series(String metric, String... labelPairs) {
        Labels want = labels(metric, labelPairs);
        return samples.stream().filter(s -> s.labels().equals(want)).toList();
    }

    /** The newest sample of one exact series. */
    public Optional<Sample> latest(String metric, String... labelPairs) {
        List<Sample> s = series(metric, labelPairs);
        return s.isEmpty() ? Optional.empty() : Optional.of(s.get(s.size() - 1));
    }

    /** The newest value of a series, when its newest sample is a value (not a stale marker). */
    public Optional<Double> value(String metric, String... labelPairs) {
        return latest(metric, labelPairs).filter(s -> !s.isStaleMarker()).map(Sample::value);
    }

    public static Labels labels(String metric, String... labelPairs) {
        Map<String, String> m = new TreeMap<>();
        m.put(Labels.METRIC_NAME, metric);
        for (int i = 0; i < labelPairs.length; i += 2) {
            m.put(labelPairs[i], labelPairs[i + 1]);
        }
        return Labels.of(m);
    }
}
