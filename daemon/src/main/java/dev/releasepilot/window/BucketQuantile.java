package dev.releasepilot.window;

import java.util.Arrays;

/**
 * Prometheus' bucketQuantile over classic histogram buckets ({@code le} upper bounds with cumulative
 * counts): sorted by bound, the +Inf bucket required, equal bounds merged, float noise and
 * non-monotonic counts flattened, then linear interpolation inside the bucket holding the rank (from
 * 0 for the lowest bucket when its bound is positive; the highest finite bound when the rank falls in +Inf).
 */
final class BucketQuantile {
    private BucketQuantile() {
    }

    /** NaN when there is no answer: no +Inf bucket, fewer than two buckets, or no observations. */
    static double quantile(double q, double[] upperBounds, double[] counts, int n) {
        if (Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (n == 0) {
            return Double.NaN;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(upperBounds[a], upperBounds[b]));
        double[] ub = new double[n];
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            ub[i] = upperBounds[order[i]];
            c[i] = counts[order[i]];
        }
        if (ub[n - 1] != Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        n = coalesce(ub, c, n);
        correctPrecisionErrors(c, n, 1e-12);
        ensureMonotonic(c, n);
        if (n < 2) {
            return Double.NaN;
        }
        double observations = c[n - 1];
        if (observations == 0) {
            return Double.NaN;
        }
        double rank = q * observations;
        int b = 0;
        while (b < n - 1 && c[b] < rank) { // the first bucket whose count reaches the rank (+Inf excluded)
            b++;
        }
        if (b == n - 1) {
            return ub[n - 2];
        }
        if (b == 0 && ub[0] <= 0) {
            return ub[0];
        }
        double bucketStart = 0;
        double bucketEnd = ub[b];
        double count = c[b];
        if (b > 0) {
            bucketStart = ub[b - 1];
            count -= c[b - 1];
            rank -= c[b - 1];
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }

    private static int coalesce(double[] ub, double[] c, int n) {
        int i = 0;
        for (int j = 1; j < n; j++) {
            if (ub[j] == ub[i]) {
                c[i] += c[j];
            } else {
                i++;
                ub[i] = ub[j];
                c[i] = c[j];
            }
        }
        return i + 1;
    }

    private static void correctPrecisionErrors(double[] c, int n, double tolerance) {
        double prev = c[0];
        for (int i = 1; i < n; i++) {
            double delta = Math.abs(c[i] - prev);
            if (delta == 0) {
                continue;
            }
            if (delta / c[i] <= tolerance) {
                c[i] = prev;
            } else {
                prev = c[i];
            }
        }
    }

    private static void ensureMonotonic(double[] c, int n) {
        double max = c[0];
        for (int i = 1; i < n; i++) {
            if (c[i] > max) {
                max = c[i];
            } else if (c[i] < max) {
                c[i] = max;
            }
        }
    }
}
