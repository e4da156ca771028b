package dev.releasepilot.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.RangeFunction;
import org.junit.jupiter.api.Test;

/**
 * rate/increase against values worked out by hand from Prometheus' extrapolatedRate. Every case
 * evaluates at t = 60 s over [1m], so the window is (0 s, 60 s].
 */
class RangeFunctionsTest {
    private static final long START = 0;
    private static final long END = 60_000;

    private static double increase(long[] ts, double[] v) {
        return RangeFunctions.apply(RangeFunction.INCREASE, ts, v, ts.length, START, END);
    }

    private static double rate(long[] ts, double[] v) {
        return RangeFunctions.apply(RangeFunction.RATE, ts, v, ts.length, START, END);
    }

    @Test
    void evenlySpacedCounterExtrapolatesToBothEdges() {
        // 100,115,130,145 at 5,20,35,50 s: +45 over 45 s; 5 s to the start and 10 s to the end are both
        // within 1.1 × 15 s, so the whole 60 s is covered: 45 × 60/45 = 60, rate 1/s.
        long[] ts = {5_000, 20_000, 35_000, 50_000};
        double[] v = {100, 115, 130, 145};
        assertEquals(60.0, increase(ts, v), 1e-12);
        assertEquals(1.0, rate(ts, v), 1e-12);
    }

    @Test
    void aCounterResetCountsFromZero() {
        // 100 → 115 (+15), reset to 5 (+5 from 0), → 20 (+15): 35 over 45 s, extrapolated × 60/45.
        long[] ts = {5_000, 20_000, 35_000, 50_000};
        double[] v = {100, 115, 5, 20};
        assertEquals(35.0 * 60 / 45, increase(ts, v), 1e-12);
        assertEquals(35.0 / 45, rate(ts, v), 1e-12);
    }

    @Test
    void extrapolationStopsWhereTheCounterWouldHaveBeenZero() {
        // 1,16,31,46: +45 over 45 s; at 1/s the counter was 0 one second before the first sample, so the
        // start is extended by 1 s, not 5 s: 45 × (45 + 1 + 10)/45 = 56.
        long[] ts = {5_000, 20_000, 35_000, 50_000};
        double[] v = {1, 16, 31, 46};
        assertEquals(56.0, increase(ts, v), 1e-12);
        assertEquals(56.0 / 60, rate(ts, v), 1e-12);
    }

    @Test
    void aSeriesThatStartsInsideTheWindowIsExtendedByHalfAnInterval() {
        // 10,20,30 at 30,40,50 s: +20 over 20 s, average interval 10 s. 30 s to the start exceeds 11 s, so
        // only 5 s is added there; 10 s to the end is within 11 s and added whole: 20 × 35/20 = 35.
        long[] ts = {30_000, 40_000, 50_000};
        double[] v = {10, 20, 30};
        assertEquals(35.0, increase(ts, v), 1e-12);
    }

    @Test
    void aSeriesThatEndedInsideTheWindowIsExtendedByHalfAnInterval() {
        // 100,110,120 at 2,12,22 s: +20 over 20 s; 2 s to the start is added, 38 s to the end becomes 5 s.
        long[] ts = {2_000, 12_000, 22_000};
        double[] v = {100, 110, 120};
        assertEquals(20.0 * 27 / 20, increase(ts, v), 1e-12);
    }

    @Test
    void rateNeedsTwoSamplesTheOthersOne() {
        assertFalse(RangeFunctions.hasValue(RangeFunction.RATE, 1));
        assertFalse(RangeFunctions.hasValue(RangeFunction.INCREASE, 1));
        assertTrue(RangeFunctions.hasValue(RangeFunction.RATE, 2));
        assertTrue(RangeFunctions.hasValue(RangeFunction.AVG_OVER_TIME, 1));
        assertFalse(RangeFunctions.hasValue(RangeFunction.LAST_OVER_TIME, 0));
    }

    @Test
    void overTimeFunctions() {
        long[] ts = {10_000, 20_000, 30_000, 40_000};
        double[] v = {4, 1, 7, 2};
        assertEquals(3.5, RangeFunctions.apply(RangeFunction.AVG_OVER_TIME, ts, v, 4, START, END));
        assertEquals(1, RangeFunctions.apply(RangeFunction.MIN_OVER_TIME, ts, v, 4, START, END));
        assertEquals(7, RangeFunctions.apply(RangeFunction.MAX_OVER_TIME, ts, v, 4, START, END));
        assertEquals(14, RangeFunctions.apply(RangeFunction.SUM_OVER_TIME, ts, v, 4, START, END));
        assertEquals(4, RangeFunctions.apply(RangeFunction.COUNT_OVER_TIME, ts, v, 4, START, END));
        assertEquals(2, RangeFunctions.apply(RangeFunction.LAST_OVER_TIME, ts, v, 4, START, END));
    }

    @Test
    void minAndMaxSkipNaNLikePrometheus() {
        long[] ts = {10_000, 20_000};
        double[] v = {Double.NaN, 3};
        assertEquals(3, RangeFunctions.apply(RangeFunction.MIN_OVER_TIME, ts, v, 2, START, END));
        assertEquals(3, RangeFunctions.apply(RangeFunction.MAX_OVER_TIME, ts, v, 2, START, END));
    }

    @Test
    void compensatedSummationKeepsSmallTerms() {
        long[] ts = {1, 2, 3};
        double[] v = {1e16, 1, -1e16};
        assertEquals(1.0, RangeFunctions.apply(RangeFunction.SUM_OVER_TIME, ts, v, 3, START, END));
    }
}
