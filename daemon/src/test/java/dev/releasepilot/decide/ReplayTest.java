package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.Touch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The same recorded stream gives the same decisions whether it arrives scrape by scrape (live) or as a
 * backlog in big batches written by two threads at once (a replay, or a sender catching up after an
 * outage). Decisions depend on event time only: the store judges lateness per series, the evaluator
 * reads (t - range, t], the grid fixes the evaluation instants, and the tracker counts `for` and
 * `clear_for` in sample time.
 */
class ReplayTest {
    private static final long STEP = 1_000;
    private static final int SECONDS = 20 * 60;

    /** The example's error-rate trigger with a 30 s clear_for, loaded through the real rule loader. */
    private static ExprTrigger trigger() {
        LoadResult r = RuleLoader.parse("replay.yaml", """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                    triggers:
                      - name: error-rate
                        expr: sum(rate(http_requests_total{service="checkout",track="canary",code=~"5.."}[1m]))
                              / sum(rate(http_requests_total{service="checkout",track="canary"}[1m])) > 0.02
                        for: 120s
                        requires: sum(increase(http_requests_total{service="checkout",track="canary"}[1m])) >= 20
                        clear_for: 30s
                """);
        assertTrue(r.ok(), r.errors().toString());
        return (ExprTrigger) r.rules().services().get(0).triggers().get(0);
    }

    /** Per second, per series: the scenario's requests. Counters; instance a restarts at 13:00. */
    private static List<List<Sample>> stream() {
        Random jitter = new Random(42);
        String[][] series = {{"200", "a"}, {"200", "b"}, {"500", "a"}, {"500", "b"}, {"200", "stable"}};
        double[] value = new double[series.length];
        List<List<Sample>> seconds = new ArrayList<>();
        for (int s = 0; s < SECONDS; s++) {
            double ok;
            double err;
            if (s < 300) {            // healthy: ~0.5 % errors
                ok = 20;
                err = 0.1;
            } else if (s < 540) {     // bad release: ~5 % errors for 4 minutes
                ok = 20;
                err = 1;
            } else if (s < 660) {     // fixed
                ok = 20;
                err = 0.1;
            } else if (s < 780) {     // traffic drained: the guard fails, NO_DATA
                ok = 0;
                err = 0;
            } else if (s < 840) {     // back, and a short spike that stays PENDING
                ok = 20;
                err = 2;
            } else {
                ok = 20;
                err = 0.1;
            }
            List<Sample> batch = new ArrayList<>();
            for (int i = 0; i < series.length; i++) {
                double perSecond = series[i][0].equals("200") ? ok : err;
                value[i] += perSecond * (0.8 + 0.4 * jitter.nextDouble());
                if (s == 780 && series[i][1].equals("a")) {
                    value[i] = perSecond; // process restart: the counter starts again from zero
                }
                String track = series[i][1].equals("stable") ? "stable" : "canary";
                Labels l = Labels.of(Map.of(Labels.METRIC_NAME, "http_requests_total", "service", "checkout",
                        "track", track, "code", series[i][0], "instance", series[i][1]));
                batch.add(new Sample(l, s * STEP + 7, Math.floor(value[i]))); // scraped 7 ms past each second
            }
            seconds.add(batch);
        }
        return seconds;
    }

    /** Store → touches → evaluation on the grid → tracker; records every state change. */
    private static final class Pipeline {
        final ExprTrigger trigger = trigger();
        final AtomicLong touchedUpTo = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong firstTouched = new AtomicLong(Long.MAX_VALUE);
        final SeriesStore store;
        final Evaluator evaluator;
        final ConditionTracker tracker = new ConditionTracker(trigger.forDuration(), trigger.clearFor());
        final EvaluationGrid grid = new EvaluationGrid(STEP);
        final List<String> transitions = new ArrayList<>();
        long lastEvaluated = Long.MIN_VALUE;
        ConditionState last;

        Pipeline() {
            SelectorIndex index = SelectorIndex.builder().add("checkout/error-rate", trigger.condition())
                    .add("checkout/error-rate", trigger.requires()).build();
            store = new SeriesStore(index, StoreLimits.defaults(), new SimpleMeterRegistry(), touches -> {
                for (Touch t : touches) {
                    touchedUpTo.accumulateAndGet(t.newestMs(), Math::max);
                    firstTouched.accumulateAndGet(t.oldestMs(), Math::min);
                }
            });
            evaluator = new Evaluator(store);
        }

        void evaluateDue() {
            long after = lastEvaluated == Long.MIN_VALUE ? firstTouched.get() - 1 : lastEvaluated;
            for (long t : grid.due(after, touchedUpTo.get(), 10_000)) {
                ConditionStatus s = tracker.observe(t, evaluator.evaluate(trigger, t).outcome());
                if (s.state() != last || s.fired() || s.cleared()) {
                    transitions.add(t / 1000 + "s " + s.state() + (s.fired() ? " fired" : "") + (s.cleared() ? " cleared" : ""));
                    last = s.state();
                }
                lastEvaluated = t;
            }
        }
    }

    @Test
    void aBacklogReplayedFastFromTwoThreadsDecidesExactlyLikeTheLiveStream() throws Exception {
        List<List<Sample>> stream = stream();

        Pipeline live = new Pipeline();
        for (List<Sample> scrape : stream) {
            live.store.accept(scrape);
            live.evaluateDue();
        }

        Pipeline fast = new Pipeline();
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            for (int from = 0; from < SECONDS; from += 20) {
                List<Sample> even = new ArrayList<>();
                List<Sample> odd = new ArrayList<>();
                for (List<Sample> scrape : stream.subList(from, Math.min(SECONDS, from + 20))) {
                    for (Sample s : scrape) {
                        (Math.floorMod(s.labels().hashCode(), 2) == 0 ? even : odd).add(s);
                    }
                }
                Future<?> a = writers.submit(() -> fast.store.accept(even));
                Future<?> b = writers.submit(() -> fast.store.accept(odd));
                a.get(30, TimeUnit.SECONDS);
                b.get(30, TimeUnit.SECONDS);
                fast.evaluateDue();
            }
        } finally {
            writers.shutdownNow();
        }

        assertEquals(live.transitions, fast.transitions);

        // And the decisions are the ones the scenario calls for.
        List<String> t = live.transitions;
        assertEquals(1, t.stream().filter(s -> s.endsWith("fired")).count(), t.toString());
        String pending = t.stream().filter(s -> s.endsWith("PENDING")).findFirst().orElseThrow();
        String fired = t.stream().filter(s -> s.endsWith("fired")).findFirst().orElseThrow();
        assertEquals(120, seconds(fired) - seconds(pending), "fires exactly `for` after it started pending: " + t);
        assertTrue(seconds(pending) > 300 && seconds(pending) < 360, "pending once the bad minute fills the window: " + t);
        String cleared = t.stream().filter(s -> s.endsWith("cleared")).findFirst().orElseThrow();
        assertTrue(seconds(cleared) > 540 + 30 && seconds(cleared) < 540 + 60 + 30, t.toString());
        assertTrue(t.stream().anyMatch(s -> s.endsWith("NO_DATA") && seconds(s) > 660 && seconds(s) < 780),
                "drained traffic fails the requires guard: " + t);
        assertTrue(t.stream().anyMatch(s -> s.endsWith("PENDING") && seconds(s) > 780),
                "the short spike after the restart is pending, and never fires: " + t);
    }

    private static long seconds(String transition) {
        return Long.parseLong(transition.substring(0, transition.indexOf('s')));
    }
}
