package dev.releasepilot.bench;

import com.sun.management.ThreadMXBean;
import dev.releasepilot.decide.judge.JudgeVerdict;
import dev.releasepilot.decide.judge.LookSpending;
import dev.releasepilot.decide.judge.StatisticalJudge;
import dev.releasepilot.rules.JudgeTrigger.Direction;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/**
 * Cost of one judge verdict (one look, as at a step boundary) over windows of growing size: the
 * Mann–Whitney test on the blocks' values and the two-proportion test (design effect + Fisher's exact
 * test) on the blocks' counts, in microseconds and bytes allocated per verdict. Baseline in the same
 * run: sorting the same values (Arrays.sort of both sides, the least any rank test pays), so the ratio
 * is the test's cost over bare ranking. Not a test: run it by hand (docs/benchmarks.md, "Judge").
 */
public final class JudgeBench {
    private static final ThreadMXBean MX = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final long MEASURE_NANOS = 250_000_000L;
    private static volatile double sink;

    private JudgeBench() {
    }

    public static void main(String[] args) {
        int[] blocks = args.length == 0 ? new int[] {12, 120, 1000}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf("JudgeBench: %d cores, Java %s, load average at start %.2f%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println("| test | blocks per side | requests per block | CPU µs per verdict | bytes allocated per verdict"
                + " | baseline sort µs | ratio to baseline |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        Random r = new Random(14);
        for (int round = 0; round < 2; round++) { // the first round warms every path up; the second is printed
            measureAll(r, blocks, round == 1);
        }
    }

    private static void measureAll(Random r, int[] blocks, boolean print) {
        for (int n : blocks) {
            double[] canary = values(r, n, 0.21);
            double[] stable = values(r, n, 0.20);
            double[] sortMeasure = measure(() -> {
                double[] a = canary.clone();
                double[] b = stable.clone();
                Arrays.sort(a);
                Arrays.sort(b);
                sink = a[0] + b[0];
            });
            double[] mw = measure(() -> sink = StatisticalJudge.mannWhitney(canary, stable, Direction.INCREASE,
                    LookSpending.alpha(0.02, 3), 3, 10, 0.1).pValue());
            if (print) {
                row("mann_whitney", n, "–", mw, sortMeasure[0]);
            }
            for (long perBlock : new long[] {1_000, 10_000}) {
                for (double rate : new double[] {0.004, 0.3}) {
                    long[][] c = counts(r, n, perBlock, rate * 1.2);
                    long[][] s = counts(r, n, perBlock, rate);
                    double[] tp = measure(() -> {
                        JudgeVerdict v = StatisticalJudge.twoProportion(c[0], c[1], s[0], s[1], Direction.INCREASE,
                                LookSpending.alpha(0.02, 3), 3, 200);
                        sink = v.pValue();
                    });
                    if (print) {
                        row("two_proportion (" + rate * 100 + " % failing)", n, String.valueOf(perBlock), tp, sortMeasure[0]);
                    }
                }
            }
        }
    }

    private static void row(String test, int n, String perBlock, double[] m, double baselineMicros) {
        System.out.printf("| %s | %d | %s | %.2f | %.0f | %.2f | %.1f |%n", test, n, perBlock, m[0], m[1], baselineMicros,
                m[0] / baselineMicros);
    }

    /**
     * {CPU µs per call, bytes allocated per call}, after a warm-up of the same length. CPU time of this
     * thread, not wall time: the machine the figures come from is shared, and CPU time is what a verdict
     * takes from its event loop.
     */
    private static double[] measure(Runnable r) {
        run(r, MEASURE_NANOS);
        long a0 = MX.getCurrentThreadAllocatedBytes();
        long t0 = MX.getCurrentThreadCpuTime();
        long calls = run(r, MEASURE_NANOS);
        long took = MX.getCurrentThreadCpuTime() - t0;
        long allocated = MX.getCurrentThreadAllocatedBytes() - a0;
        return new double[] {took / 1000.0 / calls, (double) allocated / calls};
    }

    private static long run(Runnable r, long nanos) {
        long end = System.nanoTime() + nanos;
        long calls = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 16; i++) {
                r.run();
            }
            calls += 16;
        }
        return calls;
    }

    private static double[] values(Random r, int n, double median) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = median * Math.exp(0.2 * r.nextGaussian());
        }
        return v;
    }

    private static long[][] counts(Random r, int n, long perBlock, double rate) {
        long[] f = new long[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = perBlock;
            f[i] = Math.max(0, Math.round(perBlock * rate + Math.sqrt(perBlock * rate) * r.nextGaussian()));
        }
        return new long[][] {f, t};
    }
}
