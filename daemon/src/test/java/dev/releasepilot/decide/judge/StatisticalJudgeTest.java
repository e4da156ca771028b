package dev.releasepilot.decide.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.JudgeTrigger.Direction;
import dev.releasepilot.window.Outcome;
import java.util.Random;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.FisherExactTest;
import org.apache.commons.statistics.inference.MannWhitneyUTest;
import org.junit.jupiter.api.Test;

/**
 * The judge's tests on deterministic data. Expected p-values come from the library's own functions on
 * the same inputs (so the judge adds no p-value of its own); what is asserted beyond is the data
 * discipline: the direction, min_samples, the design effect and the spending of alpha over looks.
 */
class StatisticalJudgeTest {
    private static final double[] STABLE = {0.201, 0.198, 0.205, 0.210, 0.195, 0.202, 0.199, 0.207, 0.203, 0.200,
            0.204, 0.196};
    private static final double[] SLOWER = {0.301, 0.296, 0.305, 0.310, 0.290, 0.302, 0.299, 0.307, 0.303, 0.298,
            0.304, 0.297};

    @Test
    void aSlowerCanaryIsWorseWithTheLibrarysPValue() {
        double alpha = LookSpending.alpha(0.02, 1);
        JudgeVerdict v = StatisticalJudge.mannWhitney(SLOWER, STABLE, Direction.INCREASE, alpha, 1, 10, 0);
        MannWhitneyUTest.Result expected = MannWhitneyUTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN)
                .test(SLOWER, STABLE);
        assertEquals(Outcome.TRUE, v.outcome(), v.detail());
        assertEquals(expected.getPValue(), v.pValue(), 0);
        assertEquals(expected.getStatistic(), v.statistic(), 0);
        assertEquals(144, v.statistic(), 0, "every canary block is slower than every stable block: U = 12 x 12");
        assertEquals(12, v.canary().samples());
        assertEquals((0.301 + 0.302) / 2, v.canary().center(), 1e-12); // the median of the 12 canary values
    }

    @Test
    void directionDecidesWhichWayIsWorse() {
        double alpha = 0.01;
        assertEquals(Outcome.FALSE, StatisticalJudge.mannWhitney(STABLE, SLOWER, Direction.INCREASE, alpha, 1, 10, 0).outcome(),
                "a faster canary is not worse when worse means slower");
        JudgeVerdict lower = StatisticalJudge.mannWhitney(STABLE, SLOWER, Direction.DECREASE, alpha, 1, 10, 0);
        assertEquals(Outcome.TRUE, lower.outcome());
        assertEquals(MannWhitneyUTest.withDefaults().with(AlternativeHypothesis.LESS_THAN).test(STABLE, SLOWER).getPValue(),
                lower.pValue(), 0);
        JudgeVerdict either = StatisticalJudge.mannWhitney(SLOWER, STABLE, Direction.EITHER, alpha, 1, 10, 0);
        assertEquals(MannWhitneyUTest.withDefaults().with(AlternativeHypothesis.TWO_SIDED).test(SLOWER, STABLE).getPValue(),
                either.pValue(), 0);
    }

    @Test
    void aCanaryLikeStableIsNotWorseAndTooFewBlocksIsNoData() {
        JudgeVerdict v = StatisticalJudge.mannWhitney(STABLE, shuffled(STABLE), Direction.INCREASE, 0.05, 1, 10, 0);
        assertEquals(Outcome.FALSE, v.outcome(), v.detail());
        JudgeVerdict few = StatisticalJudge.mannWhitney(java.util.Arrays.copyOf(SLOWER, 9), STABLE, Direction.INCREASE,
                0.05, 1, 10, 0);
        assertEquals(Outcome.NO_DATA, few.outcome());
        assertTrue(Double.isNaN(few.pValue()));
        assertTrue(few.detail().contains("too few blocks"), few.detail());
    }

    /**
     * A canary a hair slower than stable in every block (1 ms of 200) is "significant" to a rank test;
     * with a tolerance of 10 % of stable's median it is not worse, while 50 % slower still is.
     */
    @Test
    void aToleranceShiftsTheNullHypothesisByAFractionOfStablesMedian() {
        double[] hair = new double[STABLE.length];
        for (int i = 0; i < hair.length; i++) {
            hair[i] = STABLE[i] + 0.001;
        }
        JudgeVerdict strict = StatisticalJudge.mannWhitney(hair, shuffled(STABLE), Direction.INCREASE, 0.5, 1, 10, 0);
        JudgeVerdict tolerant = StatisticalJudge.mannWhitney(hair, STABLE, Direction.INCREASE, 0.05, 1, 10, 0.1);
        double mu = 0.1 * StatisticalJudge.median(STABLE);
        assertEquals(MannWhitneyUTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN).withMu(mu).test(hair, STABLE)
                .getPValue(), tolerant.pValue(), 0);
        assertTrue(strict.pValue() < tolerant.pValue(), strict.pValue() + " vs " + tolerant.pValue());
        assertEquals(Outcome.FALSE, tolerant.outcome(), tolerant.detail());
        assertEquals(Outcome.TRUE, StatisticalJudge.mannWhitney(SLOWER, STABLE, Direction.INCREASE, 0.01, 1, 10, 0.1).outcome());
    }

    @Test
    void independentFailuresAreTestedOnTheirCountsWithFishersExactTest() {
        // Ten blocks of 1000 requests; the canary fails 4 per block (0.4 %), stable 1 per block (0.1 %):
        // every block alike, so no overdispersion and the counts go to the test as they are.
        long[] cf = filled(10, 4);
        long[] sf = filled(10, 1);
        long[] n = filled(10, 1000);
        assertEquals(1.0, StatisticalJudge.designEffect(cf, n), 0);
        JudgeVerdict v = StatisticalJudge.twoProportion(cf, n, sf, n, Direction.INCREASE, 0.01, 1, 200);
        double expected = FisherExactTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN)
                .test(new int[][] {{40, 9960}, {10, 9990}}).getPValue();
        assertEquals(expected, v.pValue(), 0);
        assertEquals(Outcome.TRUE, v.outcome(), v.detail());
        assertEquals(0.004, v.canary().center(), 1e-12);
        assertEquals(10_000, v.canary().effective());
    }

    @Test
    void burstyFailuresCountForLessThroughTheDesignEffect() {
        // The same totals as above, but the canary's 40 failures all fall into two blocks: one bad minute,
        // not a steadily worse version. Per request they look as strong; per block far weaker.
        long[] cf = {20, 20, 0, 0, 0, 0, 0, 0, 0, 0};
        long[] sf = filled(10, 1);
        long[] n = filled(10, 1000);
        long[][] table = new long[10][];
        for (int i = 0; i < 10; i++) {
            table[i] = new long[] {cf[i], n[i] - cf[i]};
        }
        double deff = ChiSquareTest.withDefaults().statistic(table) / 9;
        assertTrue(deff > 5, "dispersion " + deff);
        assertEquals(deff, StatisticalJudge.designEffect(cf, n), 1e-12);
        JudgeVerdict v = StatisticalJudge.twoProportion(cf, n, sf, n, Direction.INCREASE, 0.01, 1, 200);
        int cnEff = (int) Math.round(10_000 / deff);
        int cfEff = (int) Math.round(40 / deff);
        int sfEff = (int) Math.round(10 / deff);
        double expected = FisherExactTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN)
                .test(new int[][] {{cfEff, cnEff - cfEff}, {sfEff, cnEff - sfEff}}).getPValue();
        assertEquals(expected, v.pValue(), 0);
        double naive = FisherExactTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN)
                .test(new int[][] {{40, 9960}, {10, 9990}}).getPValue();
        assertTrue(v.pValue() > 100 * naive, v.pValue() + " vs per-request " + naive);
        assertEquals(Outcome.FALSE, v.outcome(), v.detail());
    }

    /**
     * Large counts go to the chi-square test (Fisher's exact test would cost a second per verdict): its
     * one-sided p is half the library's two-sided p in the stated direction, and agrees with Fisher's
     * where both are cheap enough to compare.
     */
    @Test
    void largeCountsUseTheChiSquareTestOneSided() {
        int[][] large = {{3_300, 6_700}, {3_000, 7_000}};
        double twoSided = ChiSquareTest.withDefaults().test(new long[][] {{3_300, 6_700}, {3_000, 7_000}}).getPValue();
        assertEquals(twoSided / 2, StatisticalJudge.pValue(large, Direction.INCREASE), 0);
        assertEquals(1 - twoSided / 2, StatisticalJudge.pValue(large, Direction.DECREASE), 0);
        assertEquals(twoSided, StatisticalJudge.pValue(large, Direction.EITHER), 0);
        double fisher = FisherExactTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN).test(large).getPValue();
        assertTrue(Math.abs(Math.log(fisher / (twoSided / 2))) < 0.2, "fisher " + fisher + " vs chi-square " + twoSided / 2);
        int[][] small = {{40, 9_960}, {10, 9_990}};
        assertEquals(FisherExactTest.withDefaults().with(AlternativeHypothesis.GREATER_THAN).test(small).getPValue(),
                StatisticalJudge.pValue(small, Direction.INCREASE), 0, "small margins stay exact");
    }

    @Test
    void tooFewRequestsIsNoData() {
        JudgeVerdict v = StatisticalJudge.twoProportion(filled(3, 5), filled(3, 50), filled(3, 0), filled(3, 50),
                Direction.INCREASE, 0.05, 1, 200);
        assertEquals(Outcome.NO_DATA, v.outcome());
        assertEquals(150, v.canary().samples());
    }

    @Test
    void theLooksSharesSumToAlphaAndShrink() {
        double alpha = 0.02;
        assertEquals(alpha * 6 / (Math.PI * Math.PI), LookSpending.alpha(alpha, 1), 1e-15);
        double total = 0;
        for (int k = 1; k <= 1_000_000; k++) {
            total += LookSpending.alpha(alpha, k);
        }
        assertTrue(total < alpha && total > 0.9999 * alpha, "spent " + total);
        assertEquals(LookSpending.alpha(alpha, 1) / 4, LookSpending.alpha(alpha, 2), 1e-15);
    }

    /**
     * A healthy canary (the same distribution as stable) looked at 30 times per release over 400
     * releases: with each look at its share of alpha, false verdicts stay under alpha per release;
     * testing every look at alpha itself would roll back far more often (the inflation the spending
     * prevents).
     */
    @Test
    void repeatedLooksAtAHealthyCanaryDoNotInflateFalseRollbacks() {
        Random r = new Random(14);
        double alpha = 0.05;
        int releases = 400;
        int spentFires = 0;
        int naiveFires = 0;
        for (int rel = 0; rel < releases; rel++) {
            boolean spent = false;
            boolean naive = false;
            for (int look = 1; look <= 30; look++) {
                double[] c = lognormal(r, 12);
                double[] s = lognormal(r, 12);
                JudgeVerdict v = StatisticalJudge.mannWhitney(c, s, Direction.INCREASE, LookSpending.alpha(alpha, look), look, 10, 0);
                spent |= v.outcome() == Outcome.TRUE;
                naive |= v.pValue() <= alpha;
            }
            spentFires += spent ? 1 : 0;
            naiveFires += naive ? 1 : 0;
        }
        assertTrue(spentFires <= alpha * releases, spentFires + " of " + releases + " healthy releases rolled back");
        assertTrue(naiveFires > 4 * alpha * releases, "without spending: " + naiveFires + " of " + releases);
    }

    private static double[] lognormal(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.2 * Math.exp(0.3 * r.nextGaussian());
        }
        return v;
    }

    private static double[] shuffled(double[] v) {
        double[] s = v.clone();
        Random r = new Random(3);
        for (int i = s.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
