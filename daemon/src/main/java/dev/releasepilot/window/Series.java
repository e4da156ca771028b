package dev.releasepilot.window;

/**
 * One series' ring buffer of (timestamp ms, value), oldest first, stale markers included (they end
 * the series for instant selectors, as in Prometheus). Not thread-safe by itself: every method runs
 * with the series' monitor held, which {@link SeriesStore} takes (see docs/windows.md, "Threading").
 *
 * <p>Timestamps and values are interleaved in one {@code long[]} (a value is stored as its raw bits),
 * so an append touches one cache line, not two. Memory with compressed oops: this object 56 bytes,
 * the array 16 + 16 × capacity, so 72 + 16 × capacity bytes; plus the {@link Labels} and the map and
 * posting-list entries that point here (≈ 130 bytes more). docs/windows.md has the measured total.
 *
 * <p>A full ring normally overwrites its oldest sample. When that sample is still inside the retention
 * (the sender samples faster than the resolution the ring was sized for), the ring instead replaces
 * its newest sample: the spacing widens, the newest value is always the latest, memory stays fixed.
 */
final class Series extends SeriesRef {
    enum Append { APPENDED, COALESCED, OUT_OF_ORDER, DUPLICATE }

    final Labels labels;
    // The labels without __name__, the labels of a computed value (rate, sum_over_time, ...): made once and
    // shared by every evaluator's state for this series. Read and written without the lock: Labels is
    // immutable (final fields), so a racing thread at worst makes its own equal copy.
    private Labels withoutName;
    SelectorIndex.Interest interest;
    SelectorIndex interestFrom; // the index the interest was computed under; another one after a reload
    SelectorIndex postedIn;     // the index whose posting lists hold this series; null until the first sample
    volatile boolean removed;   // evicted: a writer holding a stale reference must look the series up again
    private long retentionMs;
    private long[] ring;        // t0, bits(v0), t1, bits(v1), ... from slot 0; the oldest at slot `head`
    private int head;
    private int size;
    // Samples ever removed from the front (ring rotation, a shrinking resize): with it, a sample has a
    // stable position, `dropped + i` for the i-th oldest, which incremental window state keeps as its
    // cursor (WindowState) instead of copying samples.
    private long dropped;
    // How many times a full ring replaced its newest sample (COALESCED): incremental state that read that
    // sample before checks the ring again only when this moved, so the usual step touches no old sample.
    private long rewrites;
    // The newest sample's timestamp and whether it is a stale marker, kept beside the ring so the
    // eviction sweep can skip live series without taking their locks (it reads them racily as a hint,
    // then re-checks under the lock).
    private long newest = Long.MIN_VALUE;
    private boolean ended;

    Series(Labels labels, SelectorIndex index, SelectorIndex.Interest interest, long retentionMs, int capacity) {
        this.labels = labels;
        this.interestFrom = index;
        this.interest = interest;
        this.retentionMs = retentionMs;
        this.ring = new long[2 * capacity];
    }

    /** These labels without the metric name, made once. Safe from any thread. */
    Labels labelsWithoutName() {
        Labels l = withoutName;
        if (l == null) {
            l = labels.without(Labels.METRIC_NAME);
            withoutName = l;
        }
        return l;
    }

    @Override
    public boolean released() {
        return removed;
    }

    Append append(long t, double v) {
        if (size > 0) {
            if (t < newest) {
                return Append.OUT_OF_ORDER;
            }
            if (t == newest) {
                return Append.DUPLICATE;
            }
        }
        int capacity = capacity();
        if (size < capacity) {
            put(slot(size++), t, v);
            return Append.APPENDED;
        }
        if (ring[2 * head] <= t - retentionMs) {
            put(head, t, v);
            head = slot(1);
            dropped++;
            return Append.APPENDED;
        }
        put(slot(size - 1), t, v);
        rewrites++;
        return Append.COALESCED;
    }

    private void put(int slot, long t, double v) {
        long bits = Double.doubleToRawLongBits(v);
        ring[2 * slot] = t;
        ring[2 * slot + 1] = bits;
        newest = t;
        ended = bits == Sample.STALE_NAN_BITS;
    }

    private int slot(int i) {
        int s = head + i;
        int capacity = capacity();
        return s >= capacity ? s - capacity : s;
    }

    /** The i-th oldest sample's timestamp. */
    private long ts(int i) {
        return ring[2 * slot(i)];
    }

    private long bits(int i) {
        return ring[2 * slot(i) + 1];
    }

    boolean isEmpty() {
        return size == 0;
    }

    long newestTimestamp() {
        return newest;
    }

    boolean endedByStaleMarker() {
        return ended;
    }

    /**
     * Whether the sweep should look at this series under its lock: may be read without the lock, so
     * it can be wrong for a series being appended to right now, which the locked re-check settles.
     */
    boolean mayBeEvictable(long now, long stalenessMs) {
        long t = newest;
        return size > 0 && (t < now - stalenessMs || ended && t <= now - retentionMs);
    }

    long retentionMs() {
        return retentionMs;
    }

    int size() {
        return size;
    }

    int capacity() {
        return ring.length >> 1;
    }

    /**
     * Copies the samples with fromExclusive < t <= toInclusive, stale markers left out, into out: the
     * direct computation's input, which the tests keep as the reference for {@link WindowState}.
     */
    void copyRange(long fromExclusive, long toInclusive, SampleBuffer out) {
        out.clear();
        int i = size - 1;
        while (i >= 0 && ts(i) > toInclusive) {
            i--;
        }
        int last = i;
        while (i >= 0 && ts(i) > fromExclusive) {
            i--;
        }
        for (int j = i + 1; j <= last; j++) {
            long b = bits(j);
            if (b != Sample.STALE_NAN_BITS) {
                out.add(ts(j), Double.longBitsToDouble(b));
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
            long t = ts(i);
            if (t <= toInclusive) {
                long b = bits(i);
                if (t > fromExclusive && b != Sample.STALE_NAN_BITS) {
                    out.add(t, Double.longBitsToDouble(b));
                }
                return;
            }
        }
    }

    /** The position of the oldest sample held (samples before it were dropped from the ring). */
    long firstPosition() {
        return dropped;
    }

    /** One past the position of the newest sample held. */
    long endPosition() {
        return dropped + size;
    }

    /** How many times the newest sample was replaced in a full ring (see {@link #append}). */
    long rewrites() {
        return rewrites;
    }

    /** The timestamp of the sample at a position in [firstPosition, endPosition). */
    long tsAt(long position) {
        return ts((int) (position - dropped));
    }

    /** The raw value bits of the sample at a position in [firstPosition, endPosition). */
    long bitsAt(long position) {
        return bits((int) (position - dropped));
    }

    /** After a rule reload: a new retention, and a ring of the new capacity keeping the newest samples. */
    void resize(long newRetentionMs, int capacity) {
        retentionMs = newRetentionMs;
        if (capacity == capacity()) {
            return;
        }
        long[] next = new long[2 * capacity];
        int keep = Math.min(size, capacity);
        for (int j = 0; j < keep; j++) {
            int s = slot(size - keep + j);
            next[2 * j] = ring[2 * s];
            next[2 * j + 1] = ring[2 * s + 1];
        }
        ring = next;
        head = 0;
        dropped += size - keep;
        size = keep;
    }
}
