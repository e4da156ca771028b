package dev.releasepilot.window;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory windows: one bounded ring per series, keyed by its labels, kept only for series some
 * rule selects.
 *
 * <p>Threading (docs/windows.md explains the choice): appenders may be used on any thread at once.
 * There is no global lock: the series map is a {@link ConcurrentHashMap} (lock-free lookups), each
 * series is guarded by its own monitor held for an O(1) append or one window step of an evaluation, and the shared
 * counters are atomics. Two threads only wait for each other when they touch the same series at the
 * same moment.
 *
 * <p>Time is event time throughout: staleness is judged against the newest timestamp the store has
 * kept ({@link #eventTime()}). The host's clock, passed in from the edges ({@link HostTime}), only
 * bounds it: samples stamped too far ahead are refused, and no sample pulls event time more than
 * {@link HostTime#MAX_AHEAD_MS} past the host's clock.
 */
public final class SeriesStore implements SampleSink {
    private final ConcurrentHashMap<Labels, Series> series = new ConcurrentHashMap<>();
    private final StoreLimits limits;
    private final WindowMetrics metrics;
    private final TouchListener listener;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong eventTime = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong nextSweepAt = new AtomicLong(Long.MIN_VALUE);
    private volatile Generation generation;
    private final HostTime hostTime;

    /** Marks "refused: the store is full" apart from "not wanted" (null). Never stored. */
    private static final Series REFUSED = new Series(Labels.empty(), null, null, 0, 2);

    /** The index in force and, per selector id, the series that satisfy it (what the evaluator reads). */
    private record Generation(SelectorIndex index, List<Set<Series>> postings) {
        static Generation of(SelectorIndex index) {
            List<Set<Series>> p = new ArrayList<>(index.selectorCount());
            for (int i = 0; i < index.selectorCount(); i++) {
                p.add(ConcurrentHashMap.newKeySet());
            }
            return new Generation(index, List.copyOf(p));
        }
    }

    /** A store that judges nothing against a clock (tests, harnesses): see {@link HostTime#NONE}. */
    public SeriesStore(SelectorIndex index, StoreLimits limits, MeterRegistry registry, TouchListener listener) {
        this(index, limits, registry, listener, HostTime.NONE);
    }

    public SeriesStore(SelectorIndex index, StoreLimits limits, MeterRegistry registry, TouchListener listener,
                       HostTime hostTime) {
        this.hostTime = hostTime;
        this.limits = limits;
        this.metrics = new WindowMetrics(registry, active);
        this.listener = listener;
        this.generation = Generation.of(index);
    }

    @Override
    public boolean wantsMetric(String metricName) {
        return generation.index().wantsMetric(metricName);
    }

    @Override
    public Appender appender() {
        return new Batch(generation, hostTime.nowMs());
    }

    /**
     * One batch on one thread. Samples go into their rings as they come; what the batch touched (event
     * time, expressions to evaluate, refusals) is gathered here and published by {@link #commit}.
     */
    private final class Batch implements Appender {
        private final Generation g;
        private final long hostNowMs;   // the host's clock when the batch began: one reading per batch
        private final long latestKeptMs; // newer samples are refused as too far in the future
        private long[] touchedOldest;
        private long[] touchedNewest;
        private long newest = Long.MIN_VALUE;
        private int refused;

        Batch(Generation g, long hostNowMs) {
            this.g = g;
            this.hostNowMs = hostNowMs;
            this.latestKeptMs = hostNowMs + hostTime.maxSampleFuture().toMillis();
        }

        private boolean tooFarInFuture(long timestampMs) {
            if (timestampMs > latestKeptMs) {
                metrics.dropped(DropReason.TOO_FAR_IN_FUTURE);
                return true;
            }
            return false;
        }

        @Override
        public SeriesRef append(Labels labels, long timestampMs, double value) {
            if (tooFarInFuture(timestampMs)) {
                return null;
            }
            boolean staleMarker = Sample.isStaleMarker(value);
            for (int attempt = 0; attempt < 3; attempt++) {
                Series ser = seriesFor(labels, staleMarker, g);
                if (ser == REFUSED) {
                    refused++;
                    return null;
                }
                if (ser == null) {
                    return null;
                }
                if (appendTo(ser, timestampMs, value)) {
                    return ser.removed ? null : ser;
                }
                // Evicted between lookup and lock: look it up (or create it) again.
            }
            return null;
        }

        @Override
        public boolean append(SeriesRef ref, long timestampMs, double value) {
            if (tooFarInFuture(timestampMs)) {
                return true; // refused and counted; the reference stays good
            }
            return appendTo((Series) ref, timestampMs, value);
        }

        /** False when the series was already removed; otherwise the sample was kept or dropped (counted). */
        private boolean appendTo(Series ser, long t, double v) {
            synchronized (ser) {
                if (ser.removed) {
                    return false;
                }
                Generation current = generation;
                if (ser.postedIn != current.index() && !post(ser, current)) {
                    metrics.dropped(DropReason.UNMATCHED);
                    return true;
                }
                Series.Append r = ser.append(t, v);
                if (r == Series.Append.OUT_OF_ORDER) {
                    metrics.dropped(DropReason.OUT_OF_ORDER);
                    return true;
                }
                if (r == Series.Append.DUPLICATE) {
                    metrics.dropped(DropReason.DUPLICATE);
                    return true;
                }
                if (r == Series.Append.COALESCED) {
                    metrics.coalesced();
                }
            }
            kept(ser, t);
            return true;
        }

        private void kept(Series ser, long t) {
            newest = Math.max(newest, t);
            if (listener == TouchListener.NONE || ser.postedIn != g.index()) {
                return;
            }
            if (touchedNewest == null) {
                int keys = g.index().keyCount();
                touchedOldest = new long[keys];
                touchedNewest = new long[keys];
                Arrays.fill(touchedOldest, Long.MAX_VALUE);
                Arrays.fill(touchedNewest, Long.MIN_VALUE);
            }
            for (int k : ser.interest.keyIds()) {
                touchedOldest[k] = Math.min(touchedOldest[k], t);
                touchedNewest[k] = Math.max(touchedNewest[k], t);
            }
        }

        @Override
        public Future<Void> commit() {
            if (newest != Long.MIN_VALUE) {
                // A sample within the tolerance but ahead of the host's clock is kept, but moves event time
                // (eviction for every series) no further than just past the host's clock.
                advanceEventTime(Math.min(newest, hostNowMs + HostTime.MAX_AHEAD_MS));
            }
            if (touchedNewest != null) {
                List<Touch> touches = new ArrayList<>();
                for (int k = 0; k < touchedNewest.length; k++) {
                    if (touchedNewest[k] != Long.MIN_VALUE) {
                        touches.add(new Touch(g.index().key(k), touchedOldest[k], touchedNewest[k]));
                    }
                }
                listener.touched(touches);
            }
            return refused == 0 ? Future.succeededFuture() : Future.failedFuture(new StoreOverLimit(refused, limits.maxSeries()));
        }
    }

    /**
     * The series for these labels, created when a selector wants it; null when it is not kept (unmatched,
     * counted here, or a stale marker for a series we never had) and REFUSED when the store is full.
     */
    private Series seriesFor(Labels labels, boolean staleMarker, Generation g) {
        Series ser = series.get(labels);
        if (ser != null) {
            return ser;
        }
        if (staleMarker) {
            return null; // ends a series we never had: nothing to do, nothing lost
        }
        SelectorIndex.Interest interest = g.index().match(labels);
        if (interest == null) {
            metrics.dropped(DropReason.UNMATCHED);
            return null;
        }
        ser = series.computeIfAbsent(labels, l -> {
            if (active.incrementAndGet() > limits.maxSeries()) {
                active.decrementAndGet();
                return null;
            }
            long retention = interest.longestRangeMs() + limits.slack().toMillis();
            return new Series(l, g.index(), interest, retention, limits.capacityFor(interest.longestRangeMs()));
        });
        if (ser == null) {
            metrics.dropped(DropReason.LIMIT);
            return REFUSED;
        }
        return ser;
    }

    // Under the series' monitor: make the series current with generation g (its interest recomputed when
    // it was computed under another index, its ring resized to match) and add it to g's posting lists.
    // A series that raced with a reload is brought up to date on its next sample. False: nobody wants it.
    private boolean post(Series ser, Generation g) {
        if (ser.interestFrom != g.index()) {
            SelectorIndex.Interest now = g.index().match(ser.labels);
            if (now == null) {
                remove(ser);
                return false;
            }
            ser.interest = now;
            ser.interestFrom = g.index();
            ser.resize(now.longestRangeMs() + limits.slack().toMillis(), limits.capacityFor(now.longestRangeMs()));
        }
        for (int id : ser.interest.selectorIds()) {
            g.postings().get(id).add(ser);
        }
        ser.postedIn = g.index();
        return true;
    }

    private void advanceEventTime(long t) {
        long prev = eventTime.get();
        while (t > prev && !eventTime.compareAndSet(prev, t)) {
            prev = eventTime.get();
        }
        long due = nextSweepAt.get();
        if (t >= due) {
            long interval = Math.max(1000, limits.staleness().toMillis() / 4);
            if (nextSweepAt.compareAndSet(due, t + interval)) {
                evictStale(); // one thread per interval of event time does the sweep
            }
        }
    }

    /**
     * Evicts series that received nothing for the staleness period, and series ended by a stale marker
     * once their samples have left every window; both judged in event time. Runs by itself as event
     * time advances; public so the daemon can also run it after a reload. Returns the number evicted.
     */
    public int evictStale() {
        long now = eventTime.get();
        if (now == Long.MIN_VALUE) {
            return 0;
        }
        int evicted = 0;
        long staleness = limits.staleness().toMillis();
        for (Series ser : series.values()) {
            if (!ser.mayBeEvictable(now, staleness)) {
                continue; // most series: no lock taken, so ingest threads never wait on the sweep
            }
            synchronized (ser) {
                if (ser.removed || ser.isEmpty()) {
                    continue;
                }
                long newest = ser.newestTimestamp();
                boolean silent = newest < now - staleness;
                boolean ended = ser.endedByStaleMarker() && newest <= now - ser.retentionMs();
                if (silent || ended) {
                    remove(ser);
                    evicted++;
                }
            }
        }
        return evicted;
    }

    // Under the series' monitor.
    private void remove(Series ser) {
        ser.removed = true;
        if (series.remove(ser.labels, ser)) {
            active.decrementAndGet();
        }
        Generation g = generation;
        if (ser.postedIn == g.index()) {
            for (int id : ser.interest.selectorIds()) {
                g.postings().get(id).remove(ser);
            }
        }
    }

    /**
     * Installs the index of reloaded rules: series nobody selects any more are dropped, the others are
     * re-indexed (and their rings resized) now, or on their next sample if they race with this call.
     */
    public void reload(SelectorIndex index) {
        Generation g = Generation.of(index);
        generation = g;
        for (Series ser : series.values()) {
            synchronized (ser) {
                if (!ser.removed && !ser.isEmpty()) {
                    post(ser, g);
                }
            }
        }
    }

    /** The newest sample timestamp kept so far (Long.MIN_VALUE before the first): the store's event time. */
    public long eventTime() {
        return eventTime.get();
    }

    public int activeSeries() {
        return active.get();
    }

    public SelectorIndex index() {
        return generation.index();
    }

    StoreLimits limits() {
        return limits;
    }

    /**
     * The series a registered selector selects right now: a concurrent set, which the caller iterates
     * (weakly consistent: a series added or evicted meanwhile may or may not be seen) and reads each
     * series of under its monitor.
     *
     * @throws IllegalArgumentException when no loaded rule registered the selector
     */
    Set<Series> selected(dev.releasepilot.rules.promql.VectorSelector selector) {
        Generation g = generation;
        int id = g.index().selectorId(selector);
        if (id < 0) {
            throw new IllegalArgumentException("selector " + selector + " is not registered in the store's index");
        }
        return g.postings().get(id);
    }

    /** For tests and the memory harness: the ring capacity of the series with these labels, or -1. */
    int capacityOf(Labels labels) {
        Series ser = series.get(labels);
        if (ser == null) {
            return -1;
        }
        synchronized (ser) {
            return ser.capacity();
        }
    }

    /** For tests: how many samples (stale markers included) the series with these labels holds, or -1. */
    int sizeOf(Labels labels) {
        Series ser = series.get(labels);
        if (ser == null) {
            return -1;
        }
        synchronized (ser) {
            return ser.size();
        }
    }
}
