package dev.releasepilot.window;

import dev.releasepilot.rules.promql.RangeFunction;

/**
 * One range function's running state over one series' window (t − range, t], kept between evaluations
 * so that moving the window to a later t costs only the samples that entered or left it: a cursor into
 * the series' ring (sample positions, {@link Series#firstPosition()}), the count of samples, the first
 * and last one's positions, and per function what the result needs — the counter resets still inside
 * the window (rate, increase), an exact sum (sum/avg_over_time), the monotonic candidates
 * (min/max_over_time). Nothing is copied out of the ring.
 *
 * <p>The answer is always the one {@link RangeFunctions#apply} gives over the samples the ring holds in
 * the window at that moment (the reference, kept for this comparison by the tests); where it cannot
 * follow the ring incrementally it rebuilds from the ring: when t moves backwards, when the ring dropped
 * a sample the window still holds (an evaluation lagging its series by more than the ring's slack), or
 * when a full ring replaced the newest sample the state had already read (a sender faster than the
 * resolution, see {@link Series}). Rate and increase are bit-for-bit the reference's: the same
 * differences and corrections, added in the same order. Sums are exact ({@link ExactSum}), so they
 * depend only on the window's samples, never on when evaluations happened.
 *
 * <p>Every method runs with the series' monitor held (the ring is written by ingest threads) and on
 * the owner of the enclosing {@link RangeWindows}. About 100 bytes.
 */
final class WindowState {
    final Series series;
    int pass;                      // the last evaluation pass that visited this series (RangeWindows sweeps the rest)

    private long t = Long.MIN_VALUE; // the instant the state reflects; MIN_VALUE: nothing read yet
    private long from;             // the window's exclusive start at that instant
    private long end;              // the next position to read
    private long endTs;            // the timestamp at position end - 1, to notice that the ring replaced it
    private long rewritesSeen;     // Series.rewrites when endTs was last known to be right
    private long first;            // the position of the oldest sample in the window (valid when count > 0)
    private long last;             // the position of the newest sample in the window (valid when count > 0)
    // The first and last sample's timestamp and value, copied: a step then reads only the ring's new
    // samples and the one after an expired first, not four scattered slots (each a cache miss at 100k series).
    private long firstTs;
    private double firstValue;
    private long lastTs;
    private double lastValue;
    private int count;             // samples in the window, stale markers left out
    private PositionDeque resets;  // rate/increase: (position before a drop, value before it), oldest first
    private PositionDeque extremes; // min/max_over_time: positions whose value may still become the answer
    private ExactSum sum;          // sum/avg_over_time

    WindowState(Series series) {
        this.series = series;
    }

    /** Samples in the window after {@link #advance}; the function has a value when RangeFunctions.hasValue says so. */
    int count() {
        return count;
    }

    /**
     * Moves the window to (from, t] and returns f over it (meaningful only when
     * {@code RangeFunctions.hasValue(f, count())}); {@code from} is t − range, or later when a release
     * bounds the window (rate and increase then extrapolate to that start). Call with the series'
     * monitor held.
     */
    double advance(RangeFunction f, long from, long t) {
        if (this.t == Long.MIN_VALUE || t < this.t || from < this.from || !followsRing()) {
            rebuild(f, from, t);
        } else {
            read(f, t);
            expire(f, from);
        }
        this.t = t;
        this.from = from;
        return count == 0 ? Double.NaN : value(f, from, t);
    }

    /** Whether the ring still holds every sample the state counts, unchanged. */
    private boolean followsRing() {
        if (end > series.endPosition()) {
            return false;
        }
        if (series.rewrites() != rewritesSeen) {
            if (end > series.firstPosition() && series.tsAt(end - 1) != endTs) {
                return false; // a full ring replaced its newest sample after we read it
            }
            rewritesSeen = series.rewrites();
        }
        return count == 0 || first >= series.firstPosition();
    }

    private void rebuild(RangeFunction f, long from, long t) {
        count = 0;
        if (resets != null) {
            resets.clear();
        }
        if (extremes != null) {
            extremes.clear();
        }
        if (sum != null) {
            sum.clear();
        }
        long p = series.firstPosition();
        long e = series.endPosition();
        while (p < e && series.tsAt(p) <= from) {
            p++;
        }
        end = p;
        endTs = p > series.firstPosition() ? series.tsAt(p - 1) : Long.MIN_VALUE;
        rewritesSeen = series.rewrites();
        read(f, t);
    }

    /** Takes in the samples after the cursor with timestamps up to t. */
    private void read(RangeFunction f, long t) {
        long p = Math.max(end, series.firstPosition());
        long e = series.endPosition();
        while (p < e) {
            long ts = series.tsAt(p);
            if (ts > t) {
                break;
            }
            long bits = series.bitsAt(p);
            if (bits != Sample.STALE_NAN_BITS) {
                add(f, p, ts, Double.longBitsToDouble(bits));
            }
            endTs = ts;
            p++;
        }
        end = p;
    }

    private void add(RangeFunction f, long p, long ts, double v) {
        switch (f) {
            case RATE, INCREASE -> {
                if (count > 0 && v < lastValue) { // a counter reset: the value before the drop counts (extrapolatedRate)
                    if (resets == null) {
                        resets = new PositionDeque(2);
                    }
                    resets.addLast(last, lastValue);
                }
            }
            case SUM_OVER_TIME, AVG_OVER_TIME -> {
                if (sum == null) {
                    sum = new ExactSum();
                }
                sum.add(v);
            }
            case MIN_OVER_TIME, MAX_OVER_TIME -> {
                if (!Double.isNaN(v)) { // NaN is the answer only when every sample is NaN (RangeFunctions)
                    if (extremes == null) {
                        extremes = new PositionDeque(4);
                    }
                    boolean min = f == RangeFunction.MIN_OVER_TIME;
                    // Strictly better only: of equal values the oldest stays the answer, as in the reference.
                    while (!extremes.isEmpty() && (min ? extremes.lastValue() > v : extremes.lastValue() < v)) {
                        extremes.removeLast();
                    }
                    extremes.addLast(p, v);
                }
            }
            default -> {
            }
        }
        if (count == 0) {
            first = p;
            firstTs = ts;
            firstValue = v;
        }
        last = p;
        lastTs = ts;
        lastValue = v;
        count++;
    }

    /** Drops the samples at or before {@code from} (the window is left-open). */
    private void expire(RangeFunction f, long from) {
        while (count > 0 && firstTs <= from) {
            if (resets != null && !resets.isEmpty() && resets.firstPosition() == first) {
                resets.removeFirst();
            }
            if (extremes != null && !extremes.isEmpty() && extremes.firstPosition() == first) {
                extremes.removeFirst();
            }
            if (sum != null) {
                sum.remove(firstValue);
            }
            count--;
            if (count > 0) {
                long p = first + 1;
                long bits;
                while ((bits = series.bitsAt(p)) == Sample.STALE_NAN_BITS) {
                    p++;
                }
                first = p;
                firstTs = series.tsAt(p);
                firstValue = Double.longBitsToDouble(bits);
            }
        }
    }

    private double valueAt(long p) {
        return Double.longBitsToDouble(series.bitsAt(p));
    }

    private double value(RangeFunction f, long from, long t) {
        return switch (f) {
            case RATE, INCREASE -> {
                if (count < 2) {
                    yield Double.NaN;
                }
                double result = lastValue - firstValue;
                if (resets != null) {
                    for (int i = 0; i < resets.size(); i++) {
                        result += resets.value(i);
                    }
                }
                yield RangeFunctions.extrapolate(result, firstTs, firstValue, lastTs, count,
                        from, t, f == RangeFunction.RATE);
            }
            case SUM_OVER_TIME -> exactSum();
            case AVG_OVER_TIME -> exactSum() / count;
            case MIN_OVER_TIME, MAX_OVER_TIME -> extremes == null || extremes.isEmpty() ? Double.NaN : extremes.firstValue();
            case COUNT_OVER_TIME -> count;
            case LAST_OVER_TIME -> lastValue;
        };
    }

    // A finite sum beyond the double range cannot be held exactly: recompute the window's sum (exact again
    // once the huge values leave), and if even that overflows answer as the compensated sum would.
    private double exactSum() {
        if (!sum.overflowed()) {
            return sum.value();
        }
        sum.clear();
        KahanSum fallback = new KahanSum();
        for (long p = first; p <= last; p++) {
            long bits = series.bitsAt(p);
            if (bits != Sample.STALE_NAN_BITS) {
                sum.add(Double.longBitsToDouble(bits));
                fallback.add(Double.longBitsToDouble(bits));
            }
        }
        return sum.overflowed() ? fallback.value() : sum.value();
    }
}
