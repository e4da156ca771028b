package dev.releasepilot.window;

import dev.releasepilot.rules.promql.RangeFunction;

/**
 * The range-vector functions over one series' samples in (rangeStart, rangeEnd], oldest first,
 * stale markers already removed. Pure; follows Prometheus' promql/functions.go (the left-open
 * window and the extrapolation of Prometheus 3; docs/windows.md lists where 2.x differs).
 */
final class RangeFunctions {
    private RangeFunctions() {
    }

    /** Whether the function yields a value for n samples: rate and increase need two, the others one. */
    static boolean hasValue(RangeFunction f, int n) {
        return f == RangeFunction.RATE || f == RangeFunction.INCREASE ? n >= 2 : n >= 1;
    }

    /** Call only when {@link #hasValue}. The result may be NaN when the samples are (Prometheus keeps those). */
    static double apply(RangeFunction f, long[] ts, double[] v, int n, long rangeStart, long rangeEnd) {
        switch (f) {
            case RATE:
                return extrapolatedRate(ts, v, n, rangeStart, rangeEnd, true);
            case INCREASE:
                return extrapolatedRate(ts, v, n, rangeStart, rangeEnd, false);
            case AVG_OVER_TIME: {
                KahanSum s = new KahanSum();
                for (int i = 0; i < n; i++) {
                    s.add(v[i]);
                }
                return s.value() / n;
            }
            case SUM_OVER_TIME: {
                KahanSum s = new KahanSum();
                for (int i = 0; i < n; i++) {
                    s.add(v[i]);
                }
                return s.value();
            }
            case MIN_OVER_TIME: {
                double min = v[0];
                for (int i = 1; i < n; i++) {
                    if (v[i] < min || Double.isNaN(min)) {
                        min = v[i];
                    }
                }
                return min;
            }
            case MAX_OVER_TIME: {
                double max = v[0];
                for (int i = 1; i < n; i++) {
                    if (v[i] > max || Double.isNaN(max)) {
                        max = v[i];
                    }
                }
                return max;
            }
            case COUNT_OVER_TIME:
                return n;
            case LAST_OVER_TIME:
                return v[n - 1];
            default:
                throw new IllegalArgumentException(f.toString());
        }
    }

    /**
     * Prometheus' extrapolatedRate for counters: the increase between the first and last sample, where
     * a drop in value is a counter reset (the counter restarted from 0, so the value before the drop is
     * added back), extrapolated towards the window's edges — all the way when the first/last sample is
     * within 1.1 average sample intervals of the edge, else by half an interval — but never to before
     * the counter would have been zero. rate divides by the range in seconds.
     */
    static double extrapolatedRate(long[] ts, double[] v, int n, long rangeStart, long rangeEnd, boolean isRate) {
        double result = v[n - 1] - v[0];
        for (int i = 1; i < n; i++) {
            if (v[i] < v[i - 1]) {
                result += v[i - 1];
            }
        }
        return extrapolate(result, ts[0], v[0], ts[n - 1], n, rangeStart, rangeEnd, isRate);
    }

    /**
     * The second half of {@link #extrapolatedRate}: given the reset-corrected increase between the first
     * and the last of n samples, extrapolate it to the window's edges. {@link WindowState} calls it with
     * the increase it maintains incrementally, so both paths give the same bits.
     */
    static double extrapolate(double result, long firstTs, double firstValue, long lastTs, int n, long rangeStart,
                              long rangeEnd, boolean isRate) {
        double durationToStart = (firstTs - rangeStart) / 1000.0;
        double durationToEnd = (rangeEnd - lastTs) / 1000.0;
        double sampledInterval = (lastTs - firstTs) / 1000.0;
        double averageDurationBetweenSamples = sampledInterval / (n - 1);

        double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
        if (durationToStart >= extrapolationThreshold) {
            durationToStart = averageDurationBetweenSamples / 2;
        }
        // Counters cannot be negative: do not extrapolate to before the point where it would have been 0.
        double durationToZero = durationToStart;
        if (result > 0 && firstValue >= 0) {
            durationToZero = sampledInterval * (firstValue / result);
        }
        if (durationToZero < durationToStart) {
            durationToStart = durationToZero;
        }
        if (durationToEnd >= extrapolationThreshold) {
            durationToEnd = averageDurationBetweenSamples / 2;
        }
        double factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        if (isRate) {
            factor /= (rangeEnd - rangeStart) / 1000.0;
        }
        return result * factor;
    }
}
