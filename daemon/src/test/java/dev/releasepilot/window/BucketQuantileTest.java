package dev.releasepilot.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BucketQuantileTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static double q(double phi, double[] le, double[] counts) {
        return BucketQuantile.quantile(phi, le.clone(), counts.clone(), le.length);
    }

    @Test
    void interpolatesLinearlyInsideTheBucketHoldingTheRank() {
        double[] le = {0.1, 0.5, 1, INF};
        double[] c = {10, 60, 90, 100};
        assertEquals(0.42, q(0.5, le, c), 1e-12);   // rank 50 in (0.1, 0.5]: 0.1 + 0.4 × 40/50
        assertEquals(0.05, q(0.05, le, c), 1e-12);  // rank 5 in the first bucket, from 0: 0.1 × 5/10
        assertEquals(1.0, q(0.95, le, c), 1e-12);   // rank 95 falls in +Inf: the highest finite bound
        assertEquals(0.1, q(0.1, le, c), 1e-12);
    }

    @Test
    void bucketOrderDoesNotMatter() {
        assertEquals(0.42, q(0.5, new double[] {INF, 1, 0.1, 0.5}, new double[] {100, 90, 10, 60}), 1e-12);
    }

    @Test
    void nonMonotonicCountsAreFlattenedFirst() {
        // 0.5 has fewer than 0.1 (8 < 10): it becomes 10, so rank 50 lands in (0.5, 1]: 0.5 + 0.5 × 40/80.
        assertEquals(0.75, q(0.5, new double[] {0.1, 0.5, 1, INF}, new double[] {10, 8, 90, 100}), 1e-12);
    }

    @Test
    void noAnswerWithoutInfBucketObservationsOrEnoughBuckets() {
        assertTrue(Double.isNaN(q(0.5, new double[] {0.1, 0.5}, new double[] {1, 2})), "no +Inf bucket");
        assertTrue(Double.isNaN(q(0.5, new double[] {0.1, INF}, new double[] {0, 0})), "no observations");
        assertTrue(Double.isNaN(q(0.5, new double[] {INF}, new double[] {5})), "one bucket");
    }

    @Test
    void phiOutsideZeroToOne() {
        double[] le = {1, INF};
        double[] c = {1, 2};
        assertEquals(Double.NEGATIVE_INFINITY, q(-0.1, le, c));
        assertEquals(INF, q(1.1, le, c));
    }

    @Test
    void aNegativeLowestBoundIsReturnedAsIs() {
        assertEquals(-1, q(0.1, new double[] {-1, 1, INF}, new double[] {5, 8, 10}), 1e-12);
    }

    @Test
    void equalBoundsAreMerged() {
        // two series both with le=0.5 (e.g. differing only in a label the sum kept apart) add up
        assertEquals(q(0.5, new double[] {0.5, 1, INF}, new double[] {60, 90, 100}),
                q(0.5, new double[] {0.5, 0.5, 1, INF}, new double[] {30, 30, 90, 100}), 1e-12);
    }
}
