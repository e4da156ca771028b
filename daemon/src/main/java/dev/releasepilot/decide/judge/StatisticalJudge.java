package dev.releasepilot.decide.judge;

import dev.releasepilot.rules.JudgeTrigger.Direction;
import dev.releasepilot.window.Outcome;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.FisherExactTest;
import org.apache.commons.statistics.inference.MannWhitneyUTest;

/**
 * The two tests of the judge, pure functions of the blocks a look sees. p-values come from Apache
 * Commons Statistics; what this class adds is the data discipline that keeps them honest
 * (docs/rules.md, "How the confidence is kept honest"):
 * <ul>
 *   <li>one sample per block of {@code sample_every}, never one per scrape or per request;</li>
 *   <li>for proportions, counts deflated by the larger side's design effect, estimated from how much
 *       the failure rate varies between blocks beyond what independent requests would give (Pearson's
 *       dispersion: chi-square homogeneity statistic over the blocks / (blocks - 1), at least 1);</li>
 *   <li>each look tested at its share of alpha ({@link LookSpending}).</li>
 * </ul>
 */
public final class StatisticalJudge {
    /** The largest smallest margin of a 2x2 table that Fisher's exact test is run on (see {@link #pValue}). */
    static final long EXACT_MAX_MARGIN = 1_000;

    private StatisticalJudge() {
    }

    /**
     * Mann–Whitney U on the canary's and the stable track's block values.
     *
     * @param alpha     the look's significance level (already spent by {@link LookSpending})
     * @param tolerance the null hypothesis is "the canary is at most this fraction of stable's median worse":
     *                  the library's location shift mu, in the direction of worse
     */
    public static JudgeVerdict mannWhitney(double[] canary, double[] stable, Direction direction, double alpha,
                                           int look, int minSamples, double tolerance) {
        JudgeVerdict.Side c = new JudgeVerdict.Side(canary.length, median(canary), 0, canary.length);
        JudgeVerdict.Side s = new JudgeVerdict.Side(stable.length, median(stable), 0, stable.length);
        if (canary.length < minSamples || stable.length < minSamples) {
            return noData(look, alpha, c, s, "too few blocks: canary " + canary.length + ", stable " + stable.length
                    + " (min_samples " + minSamples + ")");
        }
        double mu = direction == Direction.EITHER ? 0
                : (direction == Direction.INCREASE ? 1 : -1) * tolerance * Math.abs(s.center());
        MannWhitneyUTest.Result r = MannWhitneyUTest.withDefaults().with(alternative(direction)).withMu(mu)
                .test(canary, stable);
        boolean worse = r.getPValue() <= alpha;
        String detail = String.format(Locale.ROOT, "mann_whitney: canary median %.6g vs stable %.6g over %d/%d blocks,"
                        + "%s U=%.1f, p=%.3g %s alpha=%.3g (look %d)", c.center(), s.center(), canary.length, stable.length,
                mu == 0 ? "" : String.format(Locale.ROOT, " beyond a tolerance of %.3g,", mu),
                r.getStatistic(), r.getPValue(), worse ? "<=" : ">", alpha, look);
        return new JudgeVerdict(worse ? Outcome.TRUE : Outcome.FALSE, look, alpha, r.getStatistic(), r.getPValue(), c, s,
                detail);
    }

    /**
     * Fisher's exact test (or, for large counts, the chi-square test: {@link #pValue}) on failures and
     * totals, the blocks' counts summed per side and deflated by the design effect. Per block: {@code failures[i]} of {@code totals[i]} requests (rounded counts).
     */
    public static JudgeVerdict twoProportion(long[] canaryFailures, long[] canaryTotals, long[] stableFailures,
                                             long[] stableTotals, Direction direction, double alpha, int look,
                                             int minSamples) {
        long cf = sum(canaryFailures);
        long cn = sum(canaryTotals);
        long sf = sum(stableFailures);
        long sn = sum(stableTotals);
        double deff = Math.max(designEffect(canaryFailures, canaryTotals), designEffect(stableFailures, stableTotals));
        long cnEff = Math.round(cn / deff);
        long snEff = Math.round(sn / deff);
        long cfEff = Math.min(cnEff, Math.round(cf / deff));
        long sfEff = Math.min(snEff, Math.round(sf / deff));
        JudgeVerdict.Side c = new JudgeVerdict.Side(cn, cn == 0 ? Double.NaN : (double) cf / cn, cf, cnEff);
        JudgeVerdict.Side s = new JudgeVerdict.Side(sn, sn == 0 ? Double.NaN : (double) sf / sn, sf, snEff);
        if (cn < minSamples || sn < minSamples) {
            return noData(look, alpha, c, s, "too few requests: canary " + cn + ", stable " + sn + " (min_samples "
                    + minSamples + ")");
        }
        if (cnEff > Integer.MAX_VALUE || snEff > Integer.MAX_VALUE) {
            // Beyond int counts: scale both sides alike; the test stays conservative (fewer samples, same rates).
            double k = Math.max(cnEff, snEff) / (double) Integer.MAX_VALUE;
            cnEff = (long) (cnEff / k);
            snEff = (long) (snEff / k);
            cfEff = (long) (cfEff / k);
            sfEff = (long) (sfEff / k);
        }
        int[][] table = {{(int) cfEff, (int) (cnEff - cfEff)}, {(int) sfEff, (int) (snEff - sfEff)}};
        double oddsRatio = FisherExactTest.withDefaults().statistic(table);
        double p = pValue(table, direction);
        boolean worse = p <= alpha;
        String detail = String.format(Locale.ROOT, "two_proportion: canary %d/%d (%.4g) vs stable %d/%d (%.4g),"
                        + " design effect %.3g, p=%.3g %s alpha=%.3g (look %d)", cf, cn, c.center(), sf, sn, s.center(),
                deff, p, worse ? "<=" : ">", alpha, look);
        return new JudgeVerdict(worse ? Outcome.TRUE : Outcome.FALSE, look, alpha, oddsRatio, p, c, s, detail);
    }

    /**
     * Fisher's exact test while the table's smallest margin is at most {@link #EXACT_MAX_MARGIN}: its
     * cost grows with that margin (the hypergeometric support), to a second and more per verdict at
     * 30 % failures of a million requests (docs/benchmarks.md, "Judge"). Above it, Pearson's chi-square
     * test of the same 2x2 table, whose asymptotics are excellent at such counts; it is two-sided, and
     * with one degree of freedom it is the square of the two-proportion z-test, so the one-sided p is
     * half the two-sided one when the canary deviates in the stated direction, and 1 - half otherwise.
     */
    static double pValue(int[][] table, Direction direction) {
        long f = (long) table[0][0] + table[1][0];
        long ok = (long) table[0][1] + table[1][1];
        long rows = Math.min((long) table[0][0] + table[0][1], (long) table[1][0] + table[1][1]);
        if (Math.min(Math.min(f, ok), rows) <= EXACT_MAX_MARGIN) {
            return FisherExactTest.withDefaults().with(alternative(direction)).test(table).getPValue();
        }
        double twoSided = ChiSquareTest.withDefaults().test(new long[][] {{table[0][0], table[0][1]},
                {table[1][0], table[1][1]}}).getPValue();
        if (direction == Direction.EITHER) {
            return twoSided;
        }
        double canaryRate = (double) table[0][0] / (table[0][0] + table[0][1]);
        double stableRate = (double) table[1][0] / (table[1][0] + table[1][1]);
        boolean stated = direction == Direction.INCREASE ? canaryRate > stableRate : canaryRate < stableRate;
        return stated ? twoSided / 2 : 1 - twoSided / 2;
    }

    /**
     * Pearson's dispersion of the blocks' failure rates: the chi-square homogeneity statistic of the
     * blocks x (failures, successes) table over its degrees of freedom, at least 1. Near 1 when requests
     * fail independently; larger when failures come in bursts (a bad pod, a slow dependency), which is
     * when per-request counts overstate the evidence. 1 when it cannot be estimated (fewer than two
     * blocks with requests, or no failures or no successes at all).
     */
    static double designEffect(long[] failures, long[] totals) {
        int rows = 0;
        long f = 0;
        long ok = 0;
        for (int i = 0; i < totals.length; i++) {
            if (totals[i] > 0) {
                rows++;
                f += failures[i];
                ok += totals[i] - failures[i];
            }
        }
        if (rows < 2 || f == 0 || ok == 0) {
            return 1;
        }
        long[][] table = new long[rows][];
        int r = 0;
        for (int i = 0; i < totals.length; i++) {
            if (totals[i] > 0) {
                table[r++] = new long[] {failures[i], totals[i] - failures[i]};
            }
        }
        double phi = ChiSquareTest.withDefaults().statistic(table) / (rows - 1);
        return Double.isFinite(phi) ? Math.max(1, phi) : 1;
    }

    private static AlternativeHypothesis alternative(Direction d) {
        return switch (d) {
            case INCREASE -> AlternativeHypothesis.GREATER_THAN;
            case DECREASE -> AlternativeHypothesis.LESS_THAN;
            case EITHER -> AlternativeHypothesis.TWO_SIDED;
        };
    }

    private static JudgeVerdict noData(int look, double alpha, JudgeVerdict.Side c, JudgeVerdict.Side s, String why) {
        return new JudgeVerdict(Outcome.NO_DATA, look, alpha, Double.NaN, Double.NaN, c, s, why);
    }

    private static long sum(long[] a) {
        long t = 0;
        for (long v : a) {
            t += v;
        }
        return t;
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
}
