package dev.releasepilot.window;

import java.util.Arrays;

/**
 * The exact sum of a multiset of doubles that values can be added to and removed from, rounded once
 * when read: Shewchuk's non-overlapping partials, the algorithm of Python's {@code math.fsum}
 * (Shewchuk, "Adaptive Precision Floating-Point Arithmetic", 1997). Infinities and NaNs are counted
 * beside the partials, so removing one undoes it exactly.
 *
 * <p>Why not a running compensated sum: subtracting the values that leave a window from a Kahan sum
 * leaves rounding residue that depends on the order of past additions and removals, so two replays
 * that evaluated at different moments could differ in the last bit. This sum depends only on the
 * values held: the same window gives the same bits whatever happened before, and a vector's sum does
 * not depend on the order of its series. It equals Prometheus' Neumaier-compensated sum to within
 * rounding (it is the correctly rounded sum, which the compensated sum approximates).
 *
 * <p>A finite sum beyond ±{@link Double#MAX_VALUE} cannot be held: {@link #overflowed()} then tells
 * the caller to recompute. Single owner; about 48 bytes plus 8 per partial (one to three for
 * everyday data).
 */
final class ExactSum {
    private double[] partials = new double[2];
    private int n;
    private int nans;
    private int positiveInfinities;
    private int negativeInfinities;
    private boolean overflowed;

    void add(double x) {
        if (Double.isNaN(x)) {
            nans++;
        } else if (x == Double.POSITIVE_INFINITY) {
            positiveInfinities++;
        } else if (x == Double.NEGATIVE_INFINITY) {
            negativeInfinities++;
        } else {
            addFinite(x);
        }
    }

    /** Removes a value added before (the caller guarantees it was). */
    void remove(double x) {
        if (Double.isNaN(x)) {
            nans--;
        } else if (x == Double.POSITIVE_INFINITY) {
            positiveInfinities--;
        } else if (x == Double.NEGATIVE_INFINITY) {
            negativeInfinities--;
        } else {
            addFinite(-x);
        }
    }

    private void addFinite(double x) {
        int i = 0;
        for (int j = 0; j < n; j++) {
            double y = partials[j];
            if (Math.abs(x) < Math.abs(y)) {
                double swap = x;
                x = y;
                y = swap;
            }
            double hi = x + y;
            double lo = y - (hi - x);
            if (lo != 0.0) {
                partials[i++] = lo;
            }
            x = hi;
        }
        if (Double.isInfinite(x)) {
            overflowed = true;
        }
        if (i == partials.length) {
            partials = Arrays.copyOf(partials, 2 * i);
        }
        partials[i] = x;
        n = i + 1;
    }

    /** True once a finite sum left the double range: the partials no longer hold the exact sum. */
    boolean overflowed() {
        return overflowed;
    }

    void clear() {
        n = 0;
        nans = 0;
        positiveInfinities = 0;
        negativeInfinities = 0;
        overflowed = false;
    }

    /** The sum rounded to the nearest double (ties to even), or NaN / ±Inf as IEEE addition would give. */
    double value() {
        if (nans > 0 || positiveInfinities > 0 && negativeInfinities > 0) {
            return Double.NaN;
        }
        if (positiveInfinities > 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (negativeInfinities > 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (n == 0) {
            return 0.0;
        }
        // Sum the partials from the top down until the result is inexact, then correct the last rounding
        // (half-even) by looking at the sign of the next partial: CPython's math_fsum, line for line.
        int k = n - 1;
        double hi = partials[k];
        double lo = 0.0;
        while (k > 0) {
            double x = hi;
            double y = partials[--k];
            hi = x + y;
            double yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) {
                break;
            }
        }
        if (k > 0 && (lo < 0.0 && partials[k - 1] < 0.0 || lo > 0.0 && partials[k - 1] > 0.0)) {
            double y = lo * 2.0;
            double x = hi + y;
            double yr = x - hi;
            if (y == yr) {
                hi = x;
            }
        }
        return hi;
    }
}
