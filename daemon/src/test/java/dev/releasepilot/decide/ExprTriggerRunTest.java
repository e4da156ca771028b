package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.WorkBudget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Evaluation timing of one expr trigger, in event time, with samples that never sit on the grid. */
class ExprTriggerRunTest {
    private static final long STEP = 250;
    private static final long NANOS = 1_000_000L;

    private static Sample errors(long ts, double v) {
        return new Sample(Labels.of(Map.of("__name__", "errors_total")), ts, v);
    }

    private static final class Fixture {
        final SeriesStore store;
        final Evaluator evaluator;
        final ExprTriggerRun run;

        Fixture(String expr, Duration forDuration) throws Exception {
            Condition c = PromqlParser.parse(expr);
            store = new SeriesStore(SelectorIndex.builder().add("s/t", c).build(), StoreLimits.defaults(),
                    new SimpleMeterRegistry(), touches -> { });
            evaluator = new Evaluator(store);
            run = new ExprTriggerRun(new ExprTrigger("t", expr, c, forDuration, null, Duration.ZERO), new EvaluationGrid(STEP),
                    "s", new DecideMetrics(new SimpleMeterRegistry()));
        }

        ExprTriggerRun.Fired feed(Sample s, long nowMs) {
            store.accept(List.of(s));
            run.touched(s.timestampMs(), s.timestampMs(), nowMs * NANOS, nowMs);
            return drain();
        }

        /** Evaluates everything due, as the service's turns would; the first firing, if any. */
        ExprTriggerRun.Fired drain() {
            ExprTriggerRun.Fired first = null;
            while (run.pending()) {
                ExprTriggerRun.Fired f = run.step(evaluator, WorkBudget.unlimited());
                first = first == null ? f : first;
            }
            return first;
        }
    }

    @Test
    void anInstantDecidesOnceANewerSampleCompletesIt() throws Exception {
        Fixture f = new Fixture("increase(errors_total[2s]) > 0", Duration.ZERO);
        // Polls every 250 ms, 37 ms off the grid; the counter stays flat, then jumps.
        for (int i = 0; i < 8; i++) {
            assertNull(f.feed(errors(10_037 + i * STEP, 5), 10_037 + i * STEP));
        }
        assertNull(f.feed(errors(10_037 + 8 * STEP, 9), 10_037 + 8 * STEP),
                "the instant after the jump (12 250 ms) may still be missing samples: previewed, not decided");
        assertEquals("TRUE", f.run.view().getJsonObject("provisional").getString("outcome"));
        assertEquals("OK", f.run.view().getString("state"));
        ExprTriggerRun.Fired fired = f.feed(errors(10_037 + 9 * STEP, 9), 10_037 + 9 * STEP);
        assertNotNull(fired, "fires once a newer sample (12 287 ms) completes the instant");
        assertEquals(12_250, fired.eventMs(), "at the grid step just after the jump (12 037 ms)");
    }

    /**
     * One scrape of two series arriving in two requests (as Prometheus' shards send it) must decide as
     * the same scrape in one request: half of it (the 5xx gauge's new value beside the total's old one)
     * reads as a 53 % error share that never existed.
     */
    @Test
    void halfAScrapeNeverDecides() throws Exception {
        Fixture f = new Fixture("sum(inflight{code=\"500\"}) / sum(inflight) > 0.5", Duration.ZERO);
        for (int i = 0; i < 8; i++) {
            long ts = 10_037 + i * STEP;
            double scale = i < 7 ? 1 : 10;
            Sample bad = new Sample(Labels.of(Map.of("__name__", "inflight", "code", "500")), ts, scale);
            Sample ok = new Sample(Labels.of(Map.of("__name__", "inflight", "code", "200")), ts, 9 * scale);
            f.store.accept(List.of(bad));
            f.run.touched(ts, ts, ts * NANOS, ts);
            assertNull(f.drain(), "half of scrape " + i);
            f.store.accept(List.of(ok));
            f.run.touched(ts, ts, ts * NANOS, ts);
            assertNull(f.drain(), "all of scrape " + i);
        }
        assertEquals("OK", f.run.view().getString("state"));
    }

    @Test
    void forIsHeldInEventTime() throws Exception {
        Fixture f = new Fixture("increase(errors_total[2s]) > 0", Duration.ofSeconds(1));
        for (int i = 0; i < 8; i++) {
            f.feed(errors(10_037 + i * STEP, i), 10_037 + i * STEP);
        }
        // The condition holds since the second sample; with for: 1s it fires one second of event time later,
        // even though all of this arrives "at once" (the now passed in never moves).
        assertEquals("FIRING", f.run.view().getString("state"));
    }

    @Test
    void silenceMovesEventTimeOnSoTheTriggerTurnsNoData() throws Exception {
        Fixture f = new Fixture("increase(errors_total[2s]) > 100", Duration.ZERO);
        for (int i = 0; i < 8; i++) {
            f.feed(errors(10_037 + i * STEP, 5), 10_037 + i * STEP);
        }
        assertEquals("OK", f.run.view().getString("state"));
        long lastArrival = 10_037 + 7 * STEP;
        assertFalse(f.run.silent((lastArrival + 500) * NANOS, 1_000 * NANOS, lastArrival + 500), "not silent yet");
        assertEquals("OK", f.run.view().getString("state"));
        assertTrue(f.run.silent((lastArrival + 5_000) * NANOS, 1_000 * NANOS, lastArrival + 5_000));
        f.drain();
        assertEquals("NO_DATA", f.run.view().getString("state"), "5 s without samples empties a [2s] window");
    }

    @Test
    void aPeriodicCheckBeforeAnySampleEvaluatesNothing() throws Exception {
        Fixture f = new Fixture("increase(errors_total[2s]) > 0", Duration.ZERO);
        assertFalse(f.run.heldBack(10_000), "nothing held back, nothing due");
        assertFalse(f.run.silent(10_000 * NANOS, 1_000 * NANOS, 10_000));
        assertFalse(f.run.pending());
        // The first samples are then evaluated from their own time on (an instant once a newer sample completes it).
        f.feed(errors(10_037, 1), 10_037);
        f.feed(errors(10_037 + STEP, 2), 10_037 + STEP);
        f.feed(errors(10_037 + 2 * STEP, 3), 10_037 + 2 * STEP);
        assertEquals("FIRING", f.run.view().getString("state"), f.run.view().encode());
    }
}
