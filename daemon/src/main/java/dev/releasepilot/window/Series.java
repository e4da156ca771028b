package dev.releasepilot.window;

/**
 * One series' ring buffer of (timestamp ms, value), oldest first, stale markers included (they end
 * the series for instant selectors, as in Prometheus). Not thread-safe by itself: every method runs
 * with the series' monitor held, which {@link SeriesStore} takes (see docs/windows.md, "Threading").
 *
 * <p>Timestamps and values are interleaved in one {@code int[]}, so an append touches one cache line,
 * not two, in the narrowest form that holds them exactly: a timestamp as milliseconds after the
 * series' {@code base} (an int: 24 days), a value as an int when it is one — what a counter of requests
 * or a histogram bucket is — else as its raw 64 bits in two ints; the first sample that does not fit
 * widens the ring for good (a timestamp span beyond an int first re-bases on the oldest sample held).
 * So a counter's sample costs 8 bytes instead of 16 and a gauge's 12, and every read gives back the
 * exact timestamp and value bits that were appended. Memory with compressed oops: this object 72
 * bytes, the array 16 + 8 × capacity for counters (12 × capacity with fractional values); plus the
 * {@link Labels} and the map and posting-list entries that point here. docs/windows.md has the
 * measured total.
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
    // t0, v0, t1, v1, ... from slot 0, the oldest at slot `head`; per sample `stride` ints: the timestamp
    // (one int after `base`, or two: high and low word) and the value (one int, or two: its raw bits).
    private int[] ring;
    private int capacity;
    private boolean wideTime;   // timestamps as two ints (a span beyond 24 days in one ring)
    private boolean wideValue;  // values as raw bits in two ints (a value that is not an int)
    private int stride = 2;
    private long base;          // narrow timestamps count from here: the first sample, or the oldest held after a re-base
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
        this.capacity = capacity;
        this.ring = new int[2 * capacity];
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
        long bits = Double.doubleToRawLongBits(v);
        fit(t, v, bits); // before a slot is chosen: widening lays the ring out afresh
        if (size < capacity) {
            put(slot(size++), t, bits);
            return Append.APPENDED;
        }
        if (ts(0) <= t - retentionMs) {
            put(head, t, bits);
            head = slot(1);
            dropped++;
            return Append.APPENDED;
        }
        put(slot(size - 1), t, bits);
        rewrites++;
        return Append.COALESCED;
    }

    private void put(int slot, long t, long bits) {
        write(slot, t, bits);
        newest = t;
        ended = bits == Sample.STALE_NAN_BITS;
    }

    /** Stores a sample that fits the ring's current form (see {@link #fit}). */
    private void write(int slot, long t, long bits) {
        int at = slot * stride;
        if (wideTime) {
            ring[at++] = (int) (t >>> 32);
            ring[at++] = (int) t;
        } else {
            ring[at++] = (int) (t - base);
        }
        if (wideValue) {
            ring[at++] = (int) (bits >>> 32);
            ring[at] = (int) bits;
        } else {
            ring[at] = bits == Sample.STALE_NAN_BITS ? STALE_INT : (int) Double.longBitsToDouble(bits);
        }
    }

    /** The int that stands for a stale marker in a narrow value slot: no int value converts to it. */
    private static final int STALE_INT = Integer.MIN_VALUE;

    /**
     * Makes the ring able to hold (t, v) exactly: sets the base on the first sample, re-bases narrow
     * timestamps on the oldest sample held when t is too far after the base, widens the timestamps when
     * even that does not fit, and widens the values for a value that is not an int.
     */
    private void fit(long t, double v, long bits) {
        if (size == 0 && !wideTime) {
            base = t; // nothing held yet: count from this sample
        }
        boolean timeFits = wideTime || t - base <= Integer.MAX_VALUE;
        if (!timeFits && t - ts(0) <= Integer.MAX_VALUE) {
            rebase(ts(0));
            timeFits = true;
        }
        boolean valueFits = wideValue || bits == Sample.STALE_NAN_BITS
                || v == (int) v && (int) v != STALE_INT && bits != NEGATIVE_ZERO_BITS;
        if (!timeFits || !valueFits) {
            relayout(!timeFits || wideTime, !valueFits || wideValue, capacity);
        }
    }

    private static final long NEGATIVE_ZERO_BITS = Double.doubleToRawLongBits(-0.0);

    /** Narrow timestamps count from a later base: the oldest sample held, so a long-lived series keeps 4-byte times. */
    private void rebase(long newBase) {
        int shift = (int) (newBase - base);
        for (int i = 0; i < size; i++) {
            ring[slot(i) * stride] -= shift;
        }
        base = newBase;
    }

    /** Copies the newest min(size, capacity) samples into a ring of the given form and capacity. */
    private void relayout(boolean wideT, boolean wideV, int newCapacity) {
        int keep = Math.min(size, newCapacity);
        long[] ts = new long[keep];
        long[] bits = new long[keep];
        for (int j = 0; j < keep; j++) {
            ts[j] = ts(size - keep + j);
            bits[j] = bits(size - keep + j);
        }
        wideTime = wideT;
        wideValue = wideV;
        stride = (wideT ? 2 : 1) + (wideV ? 2 : 1);
        capacity = newCapacity;
        ring = new int[stride * newCapacity];
        head = 0;
        dropped += size - keep;
        size = keep;
        for (int j = 0; j < keep; j++) {
            write(j, ts[j], bits[j]);
        }
    }

    private int slot(int i) {
        int s = head + i;
        return s >= capacity ? s - capacity : s;
    }

    /** The i-th oldest sample's timestamp. */
    private long ts(int i) {
        int at = slot(i) * stride;
        return wideTime ? (long) ring[at] << 32 | ring[at + 1] & 0xFFFF_FFFFL : base + ring[at];
    }

    private long bits(int i) {
        int at = slot(i) * stride + (wideTime ? 2 : 1);
        if (wideValue) {
            return (long) ring[at] << 32 | ring[at + 1] & 0xFFFF_FFFFL;
        }
        int v = ring[at];
        return v == STALE_INT ? Sample.STALE_NAN_BITS : Double.doubleToRawLongBits(v);
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
        return capacity;
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
        if (capacity != this.capacity) {
            relayout(wideTime, wideValue, capacity);
        }
    }
}
