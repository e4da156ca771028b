package dev.releasepilot.bench;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SampleSink;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The benchmark's stand-in for the window store (the real one had not landed in main): it wants every
 * metric, keeps the latest timestamp and value of each series in a map bounded by series count (the
 * label set is the key, kept once per series, as a store's series map would), and refuses samples of
 * new series beyond the bound, as a store over its limits would. Thread-safe, because the benchmark
 * server runs one receiver per event loop; a sample's cell update is not atomic, which a stand-in
 * can afford.
 */
final class BoundedMapSink implements SampleSink {
    private static final Future<Void> FULL = Future.failedFuture("series limit reached");

    /** The latest sample of one series. */
    private static final class Cell {
        long timestampMs;
        double value;
    }

    private final int maxSeries;
    private final ConcurrentHashMap<Labels, Cell> latest = new ConcurrentHashMap<>();
    private final LongAdder accepted = new LongAdder();

    BoundedMapSink(int maxSeries) {
        this.maxSeries = maxSeries;
    }

    @Override
    public boolean wantsMetric(String metricName) {
        return true;
    }

    @Override
    public Future<Void> accept(List<Sample> samples) {
        for (Sample s : samples) {
            Cell cell = latest.get(s.labels());
            if (cell == null) {
                if (latest.size() >= maxSeries) {
                    return FULL;
                }
                cell = latest.computeIfAbsent(s.labels(), k -> new Cell());
            }
            cell.timestampMs = s.timestampMs();
            cell.value = s.value();
        }
        accepted.add(samples.size());
        return Future.succeededFuture();
    }

    long accepted() {
        return accepted.sum();
    }

    int series() {
        return latest.size();
    }
}
