package dev.releasepilot.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.promql.RangeFunction;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.SyntaxError;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The incremental window state against the direct computation it replaced, kept here as the reference:
 * copy the ring's samples in (t − range, t] and apply {@link RangeFunctions#apply}. Random streams with
 * counter resets, NaN and infinite values, stale markers, gaps, series that stop and start, samples that
 * arrive after the evaluation passed their timestamp, evaluations that go back in time, a sender faster
 * than the ring's resolution (the ring replaces its newest sample), evaluations lagging by more than the
 * ring's slack (the ring drops samples still inside the window), rings resized by a reload, and
 * windows whose start a release raises (and a restart lowers again).
 * Everything but the sums must agree to the bit; sums (exact here, compensated in the reference) to 1e-12.
 */
class IncrementalWindowsTest {
    private static final String[] FUNCTIONS = {"rate", "increase", "avg_over_time", "min_over_time",
        "max_over_time", "sum_over_time", "count_over_time", "last_over_time"};

    @Test
    void randomStreamsAgreeWithTheDirectComputation() throws SyntaxError {
        for (long seed = 1; seed <= 40; seed++) {
            run(seed, StoreLimits.defaults(), 1000, false);
        }
    }

    @Test
    void aSenderFasterThanTheResolutionAndAnEvaluationLaggingPastTheSlack() throws SyntaxError {
        // 1 s resolution and 2 s slack, but samples every 100..900 ms: full rings replace their newest
        // sample; evaluations up to 8 s behind the newest sample find samples dropped from the ring.
        StoreLimits tight = new StoreLimits(1000, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(2), 1024);
        for (long seed = 100; seed <= 130; seed++) {
            run(seed, tight, 500, false);
        }
    }

    @Test
    void ringsResizedByAReloadKeepTheStateRight() throws SyntaxError {
        for (long seed = 200; seed <= 220; seed++) {
            run(seed, StoreLimits.defaults(), 1000, true);
        }
    }

    private static void run(long seed, StoreLimits limits, int meanSpacingMs, boolean reloads) throws SyntaxError {
        Random r = new Random(seed);
        long range = 5_000 + 1000L * r.nextInt(40);
        List<Expr> calls = new ArrayList<>();
        for (String f : FUNCTIONS) {
            calls.add(parse(f + "(m[" + range / 1000 + "s])"));
        }
        SelectorIndex index = index(calls, null);
        SelectorIndex wider = index(calls, parse("max_over_time(m[" + 3 * range / 1000 + "s])"));
        SeriesStore store = new SeriesStore(index, limits, new SimpleMeterRegistry(), TouchListener.NONE);
        Evaluator ev = new Evaluator(store);

        int seriesCount = 1 + r.nextInt(6);
        Labels[] labels = new Labels[seriesCount];
        long[] next = new long[seriesCount];
        double[] value = new double[seriesCount];
        for (int i = 0; i < seriesCount; i++) {
            labels[i] = Fixtures.labels("m", "i", Integer.toString(i));
            next[i] = r.nextInt(3000);
        }
        Windows windows = new Windows();
        long notBefore = Long.MIN_VALUE; // a release's start: windows begin there when it is later than t - range
        long t = 0;
        int compared = 0;
        for (int step = 0; step < 400; step++) {
            // Each series sends up to where the next evaluation lands, or a little beyond (samples newer than t).
            long target = t + 1 + r.nextInt(3 * meanSpacingMs);
            List<Sample> batch = new ArrayList<>();
            for (int i = 0; i < seriesCount; i++) {
                long horizon = target + (r.nextInt(4) == 0 ? r.nextInt(4 * meanSpacingMs) : 0);
                if (r.nextInt(12) == 0) {
                    horizon = t - r.nextInt(2 * meanSpacingMs); // this series lags: its samples come later
                }
                while (next[i] <= horizon) {
                    batch.add(new Sample(labels[i], next[i], nextValue(r, value, i)));
                    int gap = r.nextInt(25) == 0 ? (int) range : 0; // a gap longer than the window now and then
                    next[i] += 1 + r.nextInt(2 * meanSpacingMs) + gap;
                }
            }
            batch.sort((a, b) -> Long.compare(a.timestampMs(), b.timestampMs()));
            store.accept(batch);
            if (reloads && r.nextInt(40) == 0) {
                store.reload(r.nextBoolean() ? wider : index);
            }
            long at = r.nextInt(30) == 0 ? t - r.nextInt((int) range) : target; // now and then back in time
            if (limits.slack().toMillis() < 5_000 && r.nextInt(10) == 0) {
                at = target - 8_000; // lagging the newest samples by more than the ring's slack
            }
            if (r.nextInt(50) == 0) {
                notBefore = r.nextInt(8) == 0 ? Long.MIN_VALUE : at - r.nextInt((int) range); // a release, or a restart
            }
            for (Expr call : calls) {
                long bound = notBefore;
                Map<String, Double> ours = ours(new Evaluation<>(ev, windows, at, bound, List.of(call), v -> v.get(call)).runToEnd());
                Map<String, Double> reference = reference(store, (RangeFunctionCall) call, at, bound);
                assertEquals(reference.keySet(), ours.keySet(), "seed " + seed + " " + call + " @" + at);
                boolean sum = ((RangeFunctionCall) call).function() == RangeFunction.SUM_OVER_TIME
                        || ((RangeFunctionCall) call).function() == RangeFunction.AVG_OVER_TIME;
                for (Map.Entry<String, Double> e : reference.entrySet()) {
                    double a = e.getValue();
                    double b = ours.get(e.getKey());
                    boolean same = sum ? close(a, b) : Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
                    assertTrue(same, "seed " + seed + " " + call + " @" + at + " " + e.getKey() + ": reference " + a
                            + ", incremental " + b);
                    compared++;
                }
            }
            t = Math.max(t, target);
        }
        assertTrue(compared > 100, "compared " + compared);
    }

    /** Counters mostly (with resets), sometimes a jump down, NaN, an infinity or a stale marker. */
    private static double nextValue(Random r, double[] value, int i) {
        int dice = r.nextInt(100);
        if (dice < 3) {
            return Double.longBitsToDouble(Sample.STALE_NAN_BITS);
        }
        if (dice < 5) {
            return Double.NaN;
        }
        if (dice < 6) {
            return r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        if (dice < 12) {
            value[i] = r.nextInt(20); // a reset (or a gauge going down)
        } else if (dice < 20) {
            value[i] = -value[i] + r.nextGaussian(); // signed values, fractions: sums that round
        } else {
            value[i] += r.nextInt(50) + (r.nextBoolean() ? 0.1 * r.nextInt(10) : 0);
        }
        return value[i];
    }

    private static boolean close(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || Double.isInfinite(a) || Double.isInfinite(b)) {
            return Double.compare(a, b) == 0 || Double.isNaN(a) && Double.isNaN(b);
        }
        return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.max(Math.abs(a), Math.abs(b)));
    }

    private static Map<String, Double> ours(Value v) {
        Map<String, Double> out = new TreeMap<>();
        for (Element e : ((Value.InstantVector) v).elements()) {
            out.put(e.labels().toString(), e.value());
        }
        return out;
    }

    /** The direct computation: every window copied out of its ring and computed from scratch. */
    static Map<String, Double> reference(SeriesStore store, RangeFunctionCall call, long t, long notBefore) {
        Map<String, Double> out = new TreeMap<>();
        long start = Math.max(t - call.range().toMillis(), notBefore);
        SampleBuffer buf = new SampleBuffer(16);
        for (Series s : store.selected(call.selector())) {
            synchronized (s) {
                if (s.removed) {
                    continue;
                }
                s.copyRange(start, t, buf);
            }
            if (RangeFunctions.hasValue(call.function(), buf.size)) {
                Labels l = call.function() == RangeFunction.LAST_OVER_TIME ? s.labels : s.labels.without(Labels.METRIC_NAME);
                out.put(l.toString(), RangeFunctions.apply(call.function(), buf.ts, buf.values, buf.size, start, t));
            }
        }
        return out;
    }

    private static SelectorIndex index(List<Expr> calls, Expr extra) {
        SelectorIndex.Builder b = SelectorIndex.builder();
        for (Expr c : calls) {
            b.add("k", c);
        }
        if (extra != null) {
            b.add("wide", extra);
        }
        return b.build();
    }

    private static Expr parse(String e) throws SyntaxError {
        return PromqlParser.parse(e + " > 0").lhs();
    }
}
