package dev.releasepilot.window;

/**
 * One series' ring buffer of (timestamp ms, value), oldest first, stale markers included (they end
 * the series for instant selectors, as in Prometheus). Not thread-safe by itself: every method runs
 * with the series' monitor held, which {@link SeriesStore} takes (see docs/windows.md, "Threading").
 *
 * <p>Memory, with compressed oops: this object 48 bytes, the two arrays 2 × (16 + 8 × capacity), so
 * 80 + 16 × capacity bytes, plus the {@link Labels} (shared with no one) and the map and posting-list
 * entries that point here (≈ 32 bytes each). docs/windows.md has the table and the measurement.
 *
 * <p>A full ring normally overwrites its oldest sample. When that sample is still inside the retention
 * (the sender samples faster than the resolution the ring was sized for), the ring instead replaces
 * its newest sample: the spacing widens, the newest value is always the latest, memory stays fixed.
 */
final class Series {
    enum Append { APPENDED, COALESCED, OUT_OF_ORDER, DUPLICATE }

    final Labels labels;
    SelectorIndex.Interest interest;
    SelectorIndex interestFrom; // the index the interest was computed under; another one after a reload
    SelectorIndex postedIn;     // the index whose posting lists hold this series; null until the first sample
    boolean removed;            // evicted: a writer holding a stale reference must look the series up again
    private long retentionMs;
    private long[] ts;
    private double[] values;
    private int head;     // index of the oldest sample
    private int size;

    Series(Labels labels, SelectorIndex index, SelectorIndex.Interest interest, long retentionMs, int capacity) {
        this.labels = labels;
        this.interestFrom = index;
        this.interest = interest;
        this.retentionMs = retentionMs;
        this.ts = new long[capacity];
        this.values = new double[capacity];
    }

    Append append(long t, double v) {
        if (size > 0) {
            long newest = ts[slot(size - 1)];
            if (t < newest) {
                return Append.OUT_OF_ORDER;
            }
            if (t == newest) {
                return Append.DUPLICATE;
            }
        }
        if (size < ts.length) {
            put(slot(size++), t, v);
            return Append.APPENDED;
        }
        if (ts[head] <= t - retentionMs) {
            put(head, t, v);
            head = slot(1);
            return Append.APPENDED;
        }
        put(slot(size - 1), t, v);
        return Append.COALESCED;
    }

    private void put(int i, long t, double v) {
        ts[i] = t;
        values[i] = v;
    }

    private int slot(int i) {
        int s = head + i;
        return s >= ts.length ? s - ts.length : s;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long newestTimestamp() {
        return size == 0 ? Long.MIN_VALUE : ts[slot(size - 1)];
    }

    boolean endedByStaleMarker() {
        return size > 0 && Double.doubleToRawLongBits(values[slot(size - 1)]) == Sample.STALE_NAN_BITS;
    }

    long retentionMs() {
        return retentionMs;
    }

    int size() {
        return size;
    }

    int capacity() {
        return ts.length;
    }

    /** Copies the samples with fromExclusive < t <= toInclusive, stale markers left out, into out. */
    void copyRange(long fromExclusive, long toInclusive, SampleBuffer out) {
        out.clear();
        int i = size - 1;
        while (i >= 0 && ts[slot(i)] > toInclusive) {
            i--;
        }
        int last = i;
        while (i >= 0 && ts[slot(i)] > fromExclusive) {
            i--;
        }
        for (int j = i + 1; j <= last; j++) {
            int s = slot(j);
            if (Double.doubleToRawLongBits(values[s]) != Sample.STALE_NAN_BITS) {
                out.add(ts[s], values[s]);
            }
        }
    }

    /**
     * The newest sample with fromExclusive < t <= toInclusive into out (size 0 or 1); none when that
     * sample is a stale marker, because the series has ended (Prometheus' instant-selector rule).
     */
    void copyLatest(long fromExclusive, long toInclusive, SampleBuffer out) {
        out.clear();
        for (int i = size - 1; i >= 0; i--) {
            int s = slot(i);
            if (ts[s] <= toInclusive) {
                if (ts[s] > fromExclusive && Double.doubleToRawLongBits(values[s]) != Sample.STALE_NAN_BITS) {
                    out.add(ts[s], values[s]);
                }
                return;
            }
        }
    }

    /** After a rule reload: a new retention, and a ring of the new capacity keeping the newest samples. */
    void resize(long newRetentionMs, int capacity) {
        retentionMs = newRetentionMs;
        if (capacity == ts.length) {
            return;
        }
        long[] nt = new long[capacity];
        double[] nv = new double[capacity];
        int keep = Math.min(size, capacity);
        for (int j = 0; j < keep; j++) {
            int s = slot(size - keep + j);
            nt[j] = ts[s];
            nv[j] = values[s];
        }
        ts = nt;
        values = nv;
        head = 0;
        size = keep;
    }
}
