package dev.releasepilot.bench;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.Arithmetic;
import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.window.DirectEvaluation;
import dev.releasepilot.window.Evaluation;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Outcome;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.TouchListener;
import dev.releasepilot.window.TriggerVerdict;
import dev.releasepilot.window.Windows;
import dev.releasepilot.window.WorkBudget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Time per grid step of one expr trigger over N series, incremental (this evaluator) beside the direct
 * computation it replaced (every window copied and recomputed at every instant), and the heap the
 * windows and the incremental state take. Not a test: run it by hand (command in docs/benchmarks.md,
 * "Evaluation") and read the tables.
 *
 * <p>Workload: N series of http_requests_total (one in five a 5xx code) selected by the example's
 * error-rate trigger with its traffic guard — sum(rate(5xx[1m])) / sum(rate(all[1m])) > 0.02, requires
 * sum(increase(all[1m])) >= 20 — so each step visits 2.2 × N series windows. One sample per series per
 * second of event time; the windows are full (61 samples in [1m]) before anything is measured; each
 * measured step first appends one second of samples (not timed), then evaluates at that second.
 */
public final class EvaluationBench {
    private static final int BATCH = 1000;
    private static final int WARMUP_STEPS = Integer.getInteger("warmup", 60);
    private static final int MEASURED_STEPS = 30;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    /** -Ddirect=false: incremental only, as the daemon evaluates (for a GC log of its load alone). */
    private static final boolean DIRECT = !"false".equals(System.getProperty("direct"));

    private EvaluationBench() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf("EvaluationBench: %d cores, max heap %d MiB, Java %s, JVM options %s, load average %.2f%n%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        int[] sizes = args.length == 0 ? new int[] {10_000, 100_000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.println("CPU time of the evaluating thread (the machine is shared: wall time is noisy); the turns"
                + " use the daemon's budget, 20,000 visits or 10 ms of wall time, whichever comes first.");
        System.out.println();
        System.out.println("| series | window visits per step | direct: mean ms CPU per step | direct: max | incremental:"
                + " mean ms CPU per step | incremental: max | speed-up (mean) | turns per step | longest turn ms CPU"
                + " | longest turn ms wall | heap: labels bytes/series | heap: store bytes/series | heap: incremental state"
                + " bytes/series | heap: all, MiB per 100,000 series |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int n : sizes) {
            run(n);
        }
    }

    private static void run(int n) throws Exception {
        ExprTrigger trigger = trigger();
        SelectorIndex index = SelectorIndex.builder().add("bench/error-rate", trigger.condition())
                .add("bench/error-rate", trigger.requires()).build();
        long before = usedHeap();
        Labels[] labels = labels(n);
        long withLabels = usedHeap();
        SeriesStore store = new SeriesStore(index, new StoreLimits(Math.max(n, 100_000), Duration.ofMinutes(5),
                Duration.ofSeconds(1), Duration.ofSeconds(30), 1024), new SimpleMeterRegistry(), TouchListener.NONE);
        int second = 0;
        for (; second <= 95; second++) { // more than the 91-sample rings hold: every ring full
            append(store, labels, second);
        }
        long withStore = usedHeap();

        // Incremental: warm up (the first step builds every series' state), then measure.
        Evaluator evaluator = new Evaluator(store);
        Windows windows = new Windows();
        DirectEvaluation direct = new DirectEvaluation();
        Arithmetic ratioExpr = (Arithmetic) trigger.condition().lhs();
        RangeFunctionCall errors = (RangeFunctionCall) ((Aggregation) ratioExpr.lhs()).argument();
        RangeFunctionCall all = (RangeFunctionCall) ((Aggregation) ratioExpr.rhs()).argument();
        RangeFunctionCall traffic = (RangeFunctionCall) ((Aggregation) trigger.requires().lhs()).argument();
        long[] incrementalNs = new long[MEASURED_STEPS];
        long[] directNs = new long[MEASURED_STEPS];
        long longestTurn = 0;
        long longestTurnCpu = 0;
        long turns = 0;
        for (int step = 0; step < WARMUP_STEPS + MEASURED_STEPS; step++, second++) {
            append(store, labels, second);
            long t = second * 1000L;
            long t0 = CPU.getCurrentThreadCpuTime();
            TriggerVerdict incremental = evaluator.start(trigger, t, Long.MIN_VALUE, windows).runToEnd();
            long t1 = CPU.getCurrentThreadCpuTime();
            double ratio = !DIRECT ? incremental.expr().compared().get(0).value()
                    : DirectEvaluation.sum(direct.rangeFunction(store, errors, t))
                    / DirectEvaluation.sum(direct.rangeFunction(store, all, t));
            double guard = !DIRECT ? 20 : DirectEvaluation.sum(direct.rangeFunction(store, traffic, t));
            long t2 = CPU.getCurrentThreadCpuTime();
            if (incremental.outcome() != Outcome.TRUE
                    || Math.abs(incremental.expr().compared().get(0).value() - ratio) > 1e-9 * ratio || guard < 20) {
                throw new IllegalStateException("the two evaluations disagree at " + t + ": " + incremental + " vs " + ratio);
            }
            if (step >= WARMUP_STEPS) {
                incrementalNs[step - WARMUP_STEPS] = t1 - t0;
                directNs[step - WARMUP_STEPS] = t2 - t1;
            }
        }
        // Turns with the daemon's budget (TriggerEvaluations), on the next steps.
        for (int step = 0; step < MEASURED_STEPS; step++, second++) {
            append(store, labels, second);
            Evaluation<TriggerVerdict> e = evaluator.start(trigger, second * 1000L, Long.MIN_VALUE, windows);
            boolean done;
            do {
                long t0 = System.nanoTime();
                long c0 = CPU.getCurrentThreadCpuTime();
                done = e.run(new WorkBudget(20_000, 10_000_000L));
                longestTurn = Math.max(longestTurn, System.nanoTime() - t0);
                longestTurnCpu = Math.max(longestTurnCpu, CPU.getCurrentThreadCpuTime() - c0);
                turns++;
            } while (!done);
        }
        long withState = usedHeap();
        double storeBytes = (double) (withStore - withLabels) / n;
        double stateBytes = (double) (withState - withStore) / n;
        double labelBytes = (double) (withLabels - before) / n;
        System.out.printf("| %,d | %,d | %.1f | %.1f | %.2f | %.2f | %.1f× | %.1f | %.1f | %.1f | %,.0f | %,.0f | %,.0f | %,.0f |%n",
                n, n + n / 5 + n, mean(directNs) / 1e6, max(directNs) / 1e6, mean(incrementalNs) / 1e6,
                max(incrementalNs) / 1e6, mean(directNs) / mean(incrementalNs), (double) turns / MEASURED_STEPS,
                longestTurnCpu / 1e6, longestTurn / 1e6, labelBytes, storeBytes, stateBytes,
                (labelBytes + storeBytes + stateBytes) * 100_000 / (1 << 20));
        Reference.reachabilityFence(labels);
        Reference.reachabilityFence(store);
        Reference.reachabilityFence(windows);
    }

    private static ExprTrigger trigger() throws SyntaxError {
        String expr = "sum(rate(http_requests_total{service=\"checkout\",code=~\"5..\"}[1m]))"
                + " / sum(rate(http_requests_total{service=\"checkout\"}[1m])) > 0.02";
        Condition c = PromqlParser.parse(expr);
        Condition requires = PromqlParser.parse("sum(increase(http_requests_total{service=\"checkout\"}[1m])) >= 20");
        return new ExprTrigger("error-rate", expr, c, Duration.ZERO, requires, Duration.ZERO);
    }

    private static void append(SeriesStore store, Labels[] labels, int second) {
        List<Sample> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < labels.length; i++) {
            // 5xx series grow by 1/s, the others by 9/s: an error ratio of 1/41 (~2.4 %), above 0.02.
            batch.add(new Sample(labels[i], second * 1000L, second * (i % 5 == 0 ? 1.0 : 9.0) + i % 7));
            if (batch.size() == BATCH) {
                store.accept(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        store.accept(batch);
    }

    /** Six labels per series, every string its own object, as a decoder would produce them. */
    private static Labels[] labels(int n) {
        Labels[] out = new Labels[n];
        String[] codes = {"500", "200", "201", "404", "200"};
        for (int i = 0; i < n; i++) {
            Map<String, String> m = new TreeMap<>();
            m.put(new String(Labels.METRIC_NAME), new String("http_requests_total"));
            m.put(new String("service"), new String("checkout"));
            m.put(new String("track"), new String("canary"));
            m.put(new String("code"), new String(codes[i % codes.length]));
            m.put(new String("instance"), "10.0." + (i / 250) + "." + (i % 250) + ":8080");
            m.put(new String("method"), new String(i % 2 == 0 ? "GET" : "POST"));
            out[i] = Labels.of(m);
        }
        return out;
    }

    private static double mean(long[] xs) {
        return Arrays.stream(xs).average().orElse(0);
    }

    private static long max(long[] xs) {
        return Arrays.stream(xs).max().orElse(0);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
