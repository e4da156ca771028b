package dev.releasepilot.bench;

import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SampleSink;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.TouchListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Throughput of {@link SeriesStore#accept} and memory per series, beside a baseline: the simplest
 * correct store, one HashMap of rings behind one global lock. Not a test: run it by hand (the command
 * is in docs/benchmarks.md, "Windows") and read the tables.
 *
 * <p>Workload: N series of http_requests_total selected by the example's error-rate rule ([1m] windows,
 * so 91-sample rings at the default 1 s resolution), one sample per series per second of event time,
 * delivered in batches of 1000 like remote_write. With 2 threads each writes half of the series, like
 * two event loops serving two senders.
 */
public final class WindowBench {
    private static final Condition RULE = parse("sum(rate(http_requests_total{service=\"checkout\",track=\"canary\","
            + "code=~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"checkout\",track=\"canary\"}[1m])) > 0.02");
    private static final Condition SUM_RATE = parse("sum(rate(http_requests_total{service=\"checkout\",track=\"canary\"}[1m])) > 0");
    private static final int BATCH = 1000;
    private static final long MEASURED_SAMPLES = 4_000_000; // per run, after as many again for warm-up
    private static final int REPEATS = 5;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private WindowBench() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf("WindowBench: %d cores, max heap %d MiB, Java %s, load average at start %.2f%n%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println("| series | threads | SeriesStore samples/s (wall) | baseline samples/s (wall) | SeriesStore"
                + " samples per CPU-second | baseline samples per CPU-second | CPU-efficiency ratio |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        int[] sizes = args.length == 0 ? new int[] {10_000, 100_000}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int n : sizes) {
            Labels[] labels = labels(n);
            int half = (int) (MEASURED_SAMPLES / n);
            List<List<Sample>> rounds = rounds(labels, 2 * half);
            for (int threads : new int[] {1, 2}) {
                double[] ours = best(() -> throughput(newStore(), rounds, threads));
                double[] base = best(() -> throughput(new GlobalLockStore(91), rounds, threads));
                System.out.printf("| %,d | %d | %,.0f | %,.0f | %,.0f | %,.0f | %.2f |%n", n, threads, ours[0], base[0],
                        ours[1], base[1], ours[1] / base[1]);
            }
        }
        if (args.length > 0) {
            return; // throughput for the given sizes only
        }
        System.out.println();
        evaluation();
        System.out.println();
        memory();
    }

    private static SeriesStore newStore() {
        SelectorIndex index = SelectorIndex.builder().add("checkout/error-rate", RULE).build();
        return new SeriesStore(index, StoreLimits.defaults(), new SimpleMeterRegistry(), TouchListener.NONE);
    }

    /** Wall-clock and per-CPU-second throughput over the measured rounds, after warm-up rounds on the same store. */
    private static double[] throughput(SampleSink sink, List<List<Sample>> rounds, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            runRounds(sink, rounds.subList(0, rounds.size() / 2), threads, pool);
            List<List<Sample>> measured = rounds.subList(rounds.size() / 2, rounds.size());
            long samples = measured.stream().mapToLong(List::size).sum();
            long t0 = System.nanoTime();
            long cpuNs = runRounds(sink, measured, threads, pool);
            long ns = System.nanoTime() - t0;
            return new double[] {samples * 1e9 / ns, samples * 1e9 / cpuNs};
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs the rounds on the workers; returns the CPU time they used (the machine is shared: wall time is noisy). */
    private static long runRounds(SampleSink sink, List<List<Sample>> rounds, int threads, ExecutorService pool)
            throws Exception {
        List<java.util.concurrent.Future<Long>> done = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int worker = w;
            done.add(pool.submit(() -> {
                long cpu0 = CPU.getCurrentThreadCpuTime();
                for (List<Sample> round : rounds) {
                    // this worker's share of the series: a contiguous part, in batches of BATCH
                    int from = round.size() * worker / threads;
                    int to = round.size() * (worker + 1) / threads;
                    for (int i = from; i < to; i += BATCH) {
                        Future<Void> f = sink.accept(round.subList(i, Math.min(to, i + BATCH)));
                        if (f.failed()) {
                            throw new IllegalStateException(f.cause());
                        }
                    }
                }
                return CPU.getCurrentThreadCpuTime() - cpu0;
            }));
        }
        long cpu = 0;
        for (java.util.concurrent.Future<Long> f : done) {
            cpu += f.get();
        }
        return cpu;
    }

    private static void evaluation() throws Exception {
        System.out.println("| series selected | evaluations | mean per evaluation of sum(rate(...[1m])) over full 91-sample rings |");
        System.out.println("|---:|---:|---:|");
        for (int n : new int[] {100, 1_000, 10_000}) {
            SelectorIndex index = SelectorIndex.builder().add("k", SUM_RATE).build();
            SeriesStore store = new SeriesStore(index, StoreLimits.defaults(), new SimpleMeterRegistry(), TouchListener.NONE);
            Labels[] labels = labels(n);
            List<List<Sample>> rounds = rounds(labels, 91);
            for (List<Sample> r : rounds) {
                store.accept(r);
            }
            Evaluator ev = new Evaluator(store);
            long t = 90_000;
            int reps = Math.max(20, 200_000 / n);
            for (int i = 0; i < reps; i++) {
                ev.evaluate(SUM_RATE, t);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                ev.evaluate(SUM_RATE, t);
            }
            double us = (System.nanoTime() - t0) / 1e3 / reps;
            System.out.printf("| %,d | %,d | %,.1f µs |%n", n, reps, us);
        }
    }

    /**
     * Heap per series, measured: used heap after full GCs before and after (a) building the label sets,
     * (b) filling a store's rings to capacity. JOL-free; the arithmetic figure is 72 + 16 × capacity for
     * the series object and its ring, the rest is map, posting-list and bookkeeping entries.
     */
    private static void memory() {
        System.out.println("| series | ring capacity | measured bytes/series (store, without labels) | of which the ring"
                + " (72 + 16 × capacity) | labels bytes/series (6 labels) | total bytes/series |");
        System.out.println("|---:|---:|---:|---:|---:|---:|");
        for (int n : new int[] {10_000, 100_000}) {
            long before = usedHeap();
            Labels[] labels = labels(n);
            long withLabels = usedHeap();
            SeriesStore store = newStore();
            for (int round = 0; round < 95; round++) { // more rounds than the 91-sample capacity: every ring full
                List<Sample> batch = new ArrayList<>(BATCH);
                for (int i = 0; i < n; i++) {
                    batch.add(new Sample(labels[i], round * 1000L, round));
                    if (batch.size() == BATCH) {
                        store.accept(batch);
                        batch = new ArrayList<>(BATCH);
                    }
                }
                store.accept(batch);
            }
            long withStore = usedHeap();
            if (store.activeSeries() != n) {
                throw new IllegalStateException("expected " + n + " series, store holds " + store.activeSeries());
            }
            double storeBytes = (double) (withStore - withLabels) / n;
            double labelBytes = (double) (withLabels - before) / n;
            System.out.printf("| %,d | %d | %,.0f | %d | %,.0f | %,.0f |%n", n, 91, storeBytes, 72 + 16 * 91, labelBytes,
                    storeBytes + labelBytes);
            Reference.reachabilityFence(labels);
            Reference.reachabilityFence(store);
        }
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

    /**
     * Each figure's best over the repeats: on a shared machine the least disturbed run is the one
     * closest to what the code can do (the header prints the load average the runs competed with).
     */
    private static double[] best(ThrowingSupplier s) throws Exception {
        double[][] runs = new double[REPEATS][];
        for (int i = 0; i < REPEATS; i++) {
            runs[i] = s.get();
        }
        double[] out = new double[runs[0].length];
        for (int k = 0; k < out.length; k++) {
            double[] column = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                column[i] = runs[i][k];
            }
            Arrays.sort(column);
            out[k] = column[REPEATS - 1];
        }
        return out;
    }

    @FunctionalInterface
    private interface ThrowingSupplier {
        double[] get() throws Exception;
    }

    /** Six labels per series, every string its own object, as a decoder would produce them. */
    private static Labels[] labels(int n) {
        Labels[] out = new Labels[n];
        String[] codes = {"200", "201", "404", "500", "503"};
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

    /** One sample per series per second of event time, counters increasing. */
    private static List<List<Sample>> rounds(Labels[] labels, int count) {
        List<List<Sample>> out = new ArrayList<>(count);
        for (int r = 0; r < count; r++) {
            List<Sample> round = new ArrayList<>(labels.length);
            for (int i = 0; i < labels.length; i++) {
                round.add(new Sample(labels[i], r * 1000L, r * 10.0 + i % 7));
            }
            out.add(round);
        }
        return out;
    }

    private static Condition parse(String text) {
        try {
            return PromqlParser.parse(text);
        } catch (SyntaxError e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The baseline: what one would write first. One global lock around a HashMap of fixed rings with the
     * same out-of-order rule, no selector matching, no metrics. Its single-thread speed is the floor our
     * bookkeeping is measured against; with two threads it shows what a global lock costs.
     */
    static final class GlobalLockStore implements SampleSink {
        private final Map<Labels, Ring> series = new HashMap<>();
        private final int capacity;

        GlobalLockStore(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean wantsMetric(String metricName) {
            return true;
        }

        @Override
        public dev.releasepilot.window.Appender appender() {
            return new dev.releasepilot.window.ListAppender(this::accept);
        }

        @Override
        public synchronized Future<Void> accept(List<Sample> samples) {
            for (Sample s : samples) {
                series.computeIfAbsent(s.labels(), l -> new Ring(capacity)).add(s.timestampMs(), s.value());
            }
            return Future.succeededFuture();
        }

        private static final class Ring {
            final long[] ts;
            final double[] values;
            int next;
            long newest = Long.MIN_VALUE;

            Ring(int capacity) {
                ts = new long[capacity];
                values = new double[capacity];
            }

            void add(long t, double v) {
                if (t <= newest) {
                    return;
                }
                newest = t;
                ts[next] = t;
                values[next] = v;
                next = (next + 1) % ts.length;
            }
        }
    }
}
