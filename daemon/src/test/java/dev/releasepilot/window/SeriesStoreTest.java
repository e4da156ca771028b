package dev.releasepilot.window;

import static dev.releasepilot.window.Fixtures.condition;
import static dev.releasepilot.window.Fixtures.counter;
import static dev.releasepilot.window.Fixtures.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Condition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SeriesStoreTest {
    private static final Condition REQUESTS = condition("sum(rate(req_total{svc=\"checkout\"}[1m])) > 0");
    private static final Condition UP = condition("up{job=\"api\"} == 0");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Touch> touches = new CopyOnWriteArrayList<>();
    private ExecutorService pool;

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private SeriesStore store(StoreLimits limits, Condition... conditions) {
        return new SeriesStore(Fixtures.index(conditions), limits, registry, touches::addAll);
    }

    private SeriesStore store(Condition... conditions) {
        return store(StoreLimits.defaults(), conditions);
    }

    private double dropped(DropReason r) {
        return registry.get("release_pilot_samples_dropped_total").tag("reason", r.label()).counter().count();
    }

    private double activeGauge() {
        return registry.get("release_pilot_series_active").gauge().value();
    }

    private static double count(SeriesStore s, Labels l) {
        return Math.max(0, s.sizeOf(l));
    }

    @Test
    void anAppenderHandsOutRefsThatAppendUntilTheSeriesIsReleased() {
        SeriesStore s = store(new StoreLimits(2, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), 1024),
                REQUESTS);
        Labels checkout = labels("req_total", "svc", "checkout");
        Appender batch = s.appender();

        SeriesRef ref = batch.append(checkout, 1_000, 1);
        assertTrue(ref != null && !ref.released());
        assertTrue(batch.append(ref, 2_000, 2));
        assertTrue(batch.append(ref, 2_000, 3), "a duplicate is dropped and counted, the ref is still good");
        assertEquals(null, batch.append(labels("other_total"), 1_000, 1), "not selected");
        assertEquals(null, batch.append(labels("req_total", "svc", "checkout", "pod", "b"),
                2_000, Double.longBitsToDouble(Sample.STALE_NAN_BITS)), "a stale marker for a series never seen");
        assertTrue(batch.commit().succeeded());
        assertEquals(2, count(s, checkout));
        assertEquals(1, dropped(DropReason.DUPLICATE));
        assertEquals(2_000, s.eventTime());

        Appender later = s.appender();
        later.append(labels("req_total", "svc", "checkout", "pod", "c"), 400_000, 1); // 5 min on: checkout is silent
        later.commit();
        s.evictStale();
        assertTrue(ref.released());
        assertFalse(s.appender().append(ref, 401_000, 4), "released: the caller must append by labels");
        assertEquals(-1, s.sizeOf(checkout));
    }

    @Test
    void anAppenderOverTheSeriesLimitKeepsWhatFitsAndItsCommitFails() {
        SeriesStore s = store(new StoreLimits(1, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), 1024),
                REQUESTS);
        Appender batch = s.appender();
        SeriesRef kept = batch.append(labels("req_total", "svc", "checkout", "pod", "a"), 1_000, 1);
        SeriesRef refused = batch.append(labels("req_total", "svc", "checkout", "pod", "b"), 1_000, 1);

        Future<Void> f = batch.commit();

        assertTrue(kept != null && refused == null);
        assertInstanceOf(StoreOverLimit.class, f.cause());
        assertEquals(1, dropped(DropReason.LIMIT));
        assertEquals(1, s.activeSeries());
    }

    @Test
    void wantsOnlyMetricsSomeSelectorNames() {
        SeriesStore s = store(REQUESTS, UP);
        assertTrue(s.wantsMetric("req_total"));
        assertTrue(s.wantsMetric("up"));
        assertFalse(s.wantsMetric("node_cpu_seconds_total"));
    }

    @Test
    void seriesNoSelectorWantsAreDroppedAsUnmatched() {
        SeriesStore s = store(REQUESTS);
        Future<Void> f = s.accept(List.of(
                new Sample(labels("req_total", "svc", "billing"), 1_000, 1),  // right metric, wrong labels
                new Sample(labels("other_total"), 1_000, 1),                  // metric nobody selects
                new Sample(labels("req_total", "svc", "checkout"), 1_000, 1)));
        assertTrue(f.succeeded());
        assertEquals(2, dropped(DropReason.UNMATCHED));
        assertEquals(1, s.activeSeries());
        assertEquals(1, activeGauge());
    }

    @Test
    void outOfOrderAndDuplicateSamplesAreDroppedAndCountedPerSeries() {
        SeriesStore s = store(REQUESTS);
        Labels a = labels("req_total", "svc", "checkout", "pod", "a");
        Labels b = labels("req_total", "svc", "checkout", "pod", "b");
        s.accept(List.of(new Sample(a, 10_000, 1), new Sample(a, 20_000, 2)));
        s.accept(List.of(
                new Sample(a, 15_000, 9),  // older than a's newest: out of order
                new Sample(a, 20_000, 9),  // same timestamp: duplicate
                new Sample(b, 5_000, 1),   // older than a's, but b is its own series: kept
                new Sample(a, 30_000, 3)));
        assertEquals(1, dropped(DropReason.OUT_OF_ORDER));
        assertEquals(1, dropped(DropReason.DUPLICATE));
        assertEquals(3, count(s, a));
        assertEquals(1, count(s, b));
    }

    @Test
    void silentSeriesAreEvictedByEventTimeNotByTheClock() {
        StoreLimits limits = new StoreLimits(100, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(30), 1024);
        SeriesStore s = store(limits, REQUESTS);
        Labels quiet = labels("req_total", "svc", "checkout", "pod", "quiet");
        Labels busy = labels("req_total", "svc", "checkout", "pod", "busy");
        s.accept(List.of(new Sample(quiet, 0, 1), new Sample(busy, 0, 1)));
        s.accept(counter(busy, 10_000, 60_000, 10_000, 1, 1));
        assertEquals(2, s.activeSeries(), "quiet's last sample is exactly 1 min old at 60 s: not yet beyond");
        s.accept(counter(busy, 70_000, 90_000, 10_000, 1, 1));
        assertEquals(1, s.activeSeries(), "quiet has been silent for more than 1 min of event time");
        assertEquals(1, activeGauge());
        assertEquals(0, count(s, quiet));
        // it comes back as a fresh series when it speaks again
        s.accept(List.of(new Sample(quiet, 95_000, 1)));
        assertEquals(2, s.activeSeries());
    }

    @Test
    void aStaleMarkerEndsTheSeriesWhichIsEvictedOnceItsSamplesLeftEveryWindow() {
        StoreLimits limits = new StoreLimits(100, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(30), 1024);
        SeriesStore s = store(limits, REQUESTS);
        Labels gone = labels("req_total", "svc", "checkout", "pod", "gone");
        Labels busy = labels("req_total", "svc", "checkout", "pod", "busy");
        s.accept(counter(gone, 0, 30_000, 10_000, 1, 1));
        s.accept(List.of(Fixtures.staleMarker(gone, 35_000)));
        s.accept(counter(busy, 0, 120_000, 10_000, 1, 1));
        assertEquals(2, s.activeSeries(), "retention is 1m range + 30s slack: the marker at 35 s is still visible");
        s.accept(counter(busy, 130_000, 200_000, 10_000, 1, 1));
        assertEquals(1, s.activeSeries(), "ended and past its retention, long before the 10 min staleness");
    }

    @Test
    void aStaleMarkerForASeriesWeNeverHadIsIgnored() {
        SeriesStore s = store(REQUESTS);
        s.accept(List.of(Fixtures.staleMarker(labels("req_total", "svc", "checkout"), 1_000)));
        assertEquals(0, s.activeSeries());
        assertEquals(0, dropped(DropReason.UNMATCHED) + dropped(DropReason.OUT_OF_ORDER));
    }

    @Test
    void theSeriesLimitRefusesNewSeriesCountsThemAndFailsTheBatchAfterKeepingTheRest() {
        StoreLimits limits = new StoreLimits(2, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), 64);
        SeriesStore s = store(limits, REQUESTS);
        Labels a = labels("req_total", "svc", "checkout", "pod", "a");
        Labels b = labels("req_total", "svc", "checkout", "pod", "b");
        Labels c = labels("req_total", "svc", "checkout", "pod", "c");
        Future<Void> f = s.accept(List.of(new Sample(a, 1_000, 1), new Sample(b, 1_000, 1), new Sample(c, 1_000, 1),
                new Sample(a, 2_000, 2)));
        assertTrue(f.failed());
        StoreOverLimit e = assertInstanceOf(StoreOverLimit.class, f.cause());
        assertEquals(1, e.refused());
        assertEquals(1, dropped(DropReason.LIMIT));
        assertEquals(2, s.activeSeries());
        assertEquals(2, count(s, a), "the other samples of the batch were kept");
        // retrying the same batch: a and b are duplicates now, c is still refused
        Future<Void> retry = s.accept(List.of(new Sample(a, 2_000, 2), new Sample(c, 1_000, 1)));
        assertTrue(retry.failed());
        assertEquals(1, dropped(DropReason.DUPLICATE));
    }

    @Test
    void ringCapacityFollowsTheLongestRangeOfTheSelectorsASeriesFeeds() {
        StoreLimits limits = StoreLimits.defaults(); // 1 s resolution, 30 s slack, cap 1024
        SeriesStore s = store(REQUESTS, UP, condition("max_over_time(req_total{pod=\"slow\"}[5m]) > 1"),
                condition("avg_over_time(big[1h]) > 1"));
        Labels fast = labels("req_total", "svc", "checkout", "pod", "fast");
        Labels slow = labels("req_total", "svc", "checkout", "pod", "slow");
        Labels up = labels("up", "job", "api");
        Labels big = labels("big");
        s.accept(List.of(new Sample(fast, 1, 1), new Sample(slow, 1, 1), new Sample(up, 1, 1), new Sample(big, 1, 1)));
        assertEquals(91, s.capacityOf(fast), "1m + 30s at 1 s, plus one");
        assertEquals(331, s.capacityOf(slow), "the longest selector it matches is [5m]");
        assertEquals(31, s.capacityOf(up), "instant selector: just the slack");
        assertEquals(1024, s.capacityOf(big), "1h would need 3631: capped");
        assertEquals(limits.capacityFor(60_000), s.capacityOf(fast));
    }

    @Test
    void aSenderFasterThanTheResolutionThinsTheRingInsteadOfGrowingIt() {
        StoreLimits limits = new StoreLimits(10, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(0), 1024);
        Condition c = condition("increase(fast_total[10s]) > 0");
        SeriesStore s = store(limits, c);
        Labels l = labels("fast_total");
        s.accept(counter(l, 0, 20_000, 100, 0, 10)); // 10 samples a second for 20 s into a ring sized for 1/s
        assertEquals(11, s.capacityOf(l));
        assertTrue(registry.get("release_pilot_samples_coalesced_total").counter().count() > 0);
        assertEquals(11, count(s, l));
        // the window still spans the range and ends in the newest value, so increase stays right: 10/s × 10 s
        Verdict v = new Evaluator(s).evaluate(c, 20_000);
        assertEquals(100.0, v.compared().get(0).value(), 1e-9);
    }

    @Test
    void touchesNameTheKeysABatchAffectedWithItsTimeSpan() {
        SelectorIndex index = SelectorIndex.builder()
                .add("checkout/error-rate", REQUESTS)
                .add("checkout/error-rate", condition("sum(increase(req_total{svc=\"checkout\"}[1m])) > 20"))
                .add("api/up", UP)
                .build();
        SeriesStore s = new SeriesStore(index, StoreLimits.defaults(), registry, touches::addAll);
        s.accept(List.of(new Sample(labels("req_total", "svc", "checkout"), 1_000, 1),
                new Sample(labels("req_total", "svc", "checkout"), 3_000, 1),
                new Sample(labels("req_total", "svc", "billing"), 9_000, 1)));
        assertEquals(List.of(new Touch("checkout/error-rate", 1_000, 3_000)), touches);
        assertEquals(List.of("api/up"), index.keysAffectedBy(labels("up", "job", "api")));
        assertEquals(List.of(), index.keysAffectedBy(labels("up", "job", "db")));
    }

    @Test
    void aReloadDropsSeriesNoLongerSelectedAndResizesTheRest() {
        SeriesStore s = store(REQUESTS, UP);
        Labels req = labels("req_total", "svc", "checkout");
        Labels up = labels("up", "job", "api");
        s.accept(List.of(new Sample(req, 1_000, 1), new Sample(up, 1_000, 1)));
        s.reload(Fixtures.index(condition("sum(rate(req_total[5m])) > 0")));
        assertEquals(1, s.activeSeries());
        assertEquals(331, s.capacityOf(req));
        assertFalse(s.wantsMetric("up"));
        s.accept(List.of(new Sample(req, 2_000, 2)));
        Verdict v = new Evaluator(s).evaluate(condition("sum(rate(req_total[5m])) > 0"), 2_000);
        assertEquals(Outcome.TRUE, v.outcome(), "samples kept across the reload still count");
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        SeriesStore s = store(REQUESTS);
        int threads = 4;
        int seriesPerThread = 50;
        int samplesPerSeries = 60;
        pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int worker = w;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < samplesPerSeries; i++) {
                    List<Sample> batch = new ArrayList<>();
                    for (int k = 0; k < seriesPerThread; k++) {
                        // every worker writes its own series and one series shared by all of them
                        batch.add(new Sample(labels("req_total", "svc", "checkout", "pod", worker + "-" + k), i * 1000L, i));
                    }
                    batch.add(new Sample(labels("req_total", "svc", "checkout", "pod", "shared"), i * 1000L, i));
                    s.accept(batch);
                }
                return null;
            }));
        }
        start.countDown();
        for (java.util.concurrent.Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertEquals(threads * seriesPerThread + 1, s.activeSeries());
        for (int w = 0; w < threads; w++) {
            assertEquals(samplesPerSeries, count(s, labels("req_total", "svc", "checkout", "pod", w + "-7")));
        }
        Labels shared = labels("req_total", "svc", "checkout", "pod", "shared");
        // each timestamp of the shared series was sent four times: kept once, the rest are duplicates or late
        assertEquals(samplesPerSeries, count(s, shared));
        assertEquals((threads - 1) * samplesPerSeries,
                dropped(DropReason.DUPLICATE) + dropped(DropReason.OUT_OF_ORDER), 0.0);
    }
}
