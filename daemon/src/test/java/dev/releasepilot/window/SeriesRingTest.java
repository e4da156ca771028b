package dev.releasepilot.window;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ring keeps samples in the narrowest form that holds them (int timestamps after a base, int
 * values); whatever form it is in, every sample reads back with the exact timestamp and value bits it
 * was appended with, and positions stay stable when it widens.
 */
class SeriesRingTest {
    private static final long DAY = 86_400_000L;

    private static Series series(int capacity, long retentionMs) {
        return new Series(Labels.ofSortedPairs("__name__", "x"), null, null, retentionMs, capacity);
    }

    /** What the ring holds, oldest first, as (position, timestamp, bits). */
    private static List<String> held(Series s) {
        List<String> out = new ArrayList<>();
        for (long p = s.firstPosition(); p < s.endPosition(); p++) {
            out.add(p + "@" + s.tsAt(p) + "=" + Long.toHexString(s.bitsAt(p)));
        }
        return out;
    }

    private static void check(double[] values, long[] times, int capacity, long retentionMs) {
        Series s = series(capacity, retentionMs);
        List<String> expected = new ArrayList<>();
        long dropped = 0;
        for (int i = 0; i < values.length; i++) {
            assertEquals(Series.Append.APPENDED, s.append(times[i], values[i]), "sample " + i);
            expected.add((long) i + "@" + times[i] + "=" + Long.toHexString(Double.doubleToRawLongBits(values[i])));
            if (expected.size() > capacity) {
                expected.remove(0);
                dropped++;
            }
            assertEquals(expected, held(s), "after sample " + i);
            assertEquals(dropped, s.firstPosition());
        }
    }

    @Test
    void valuesOfEveryKindReadBackBitForBit() {
        double[] values = {0, 1, 41, 2_147_483_647, -2_147_483_647, -0.0, 0.5, Integer.MIN_VALUE, 1e300,
            Double.NaN, Double.longBitsToDouble(Sample.STALE_NAN_BITS), Double.POSITIVE_INFINITY, 3, 7};
        long[] times = new long[values.length];
        for (int i = 0; i < times.length; i++) {
            times[i] = 1_700_000_000_000L + i * 1000L;
        }
        check(values, times, 5, 1000); // a small ring: it rotates through the widening
        // a counter keeps the narrow form, then one fraction widens it: same answers either way
        Random r = new Random(3);
        double[] counter = new double[200];
        long[] t = new long[200];
        for (int i = 0; i < counter.length; i++) {
            counter[i] = i < 150 ? i * 7 + r.nextInt(5) : i * 7.25;
            t[i] = 1_700_000_000_000L + i * 15_000L;
        }
        check(counter, t, 91, 60_000);
    }

    @Test
    void timestampsBeyondTwentyFourDaysReBaseOrWiden() {
        // a series that lives for months at one sample an hour: the base follows the oldest sample held
        long[] t = new long[3000];
        double[] v = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = 1_700_000_000_000L + i * 3_600_000L;
            v[i] = i;
        }
        check(v, t, 91, 60_000);
        // a ring whose own span is beyond an int of milliseconds (a sample every 30 days, kept): wide times
        long[] sparse = new long[20];
        double[] w = new double[sparse.length];
        for (int i = 0; i < sparse.length; i++) {
            sparse[i] = 1_600_000_000_000L + i * 30 * DAY;
            w[i] = i % 2 == 0 ? i : i + 0.5;
        }
        check(sparse, w, 8, 100L * DAY);
    }

    private static void check(long[] times, double[] values, int capacity, long retentionMs) {
        check(values, times, capacity, retentionMs);
    }

    @Test
    void aReloadResizesWithoutChangingWhatIsHeld() {
        Series s = series(10, 60_000);
        for (int i = 0; i < 10; i++) {
            s.append(1000L * i, i == 4 ? 0.25 : i);
        }
        List<String> before = held(s);
        s.resize(60_000, 6);
        assertEquals(before.subList(4, 10), held(s));
        s.resize(60_000, 20);
        assertEquals(before.subList(4, 10), held(s));
        assertEquals(Series.Append.APPENDED, s.append(10_000, 10));
        assertEquals(7, held(s).size());
    }
}
