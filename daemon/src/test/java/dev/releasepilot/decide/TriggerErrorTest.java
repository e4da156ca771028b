package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A trigger whose evaluation throws is ERROR, never healthy and never firing, logged once and counted
 * per failure, until an evaluation succeeds again. The failure is real: the trigger's selector is not
 * in the store's index (as during a reload that has not reached the store yet), which the store refuses.
 */
class TriggerErrorTest {
    private static final long STEP = 1_000;
    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger log = Logger.getLogger(ExprTriggerRun.class.getName());

    @BeforeEach
    void listen() {
        log.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        log.removeHandler(capture);
    }

    private static Sample errors(long ts, double v) {
        return new Sample(Labels.of(Map.of("__name__", "errors_total")), ts, v);
    }

    /** Samples arrived: everything due evaluated at once, as the service's turns would; the first firing, if any. */
    private static ExprTriggerRun.Fired touch(ExprTriggerRun run, Evaluator evaluator, long oldestMs, long newestMs,
                                              long nowNanos, long hostNowMs) {
        run.touched(oldestMs, newestMs, nowNanos, hostNowMs);
        ExprTriggerRun.Fired first = null;
        while (run.pending()) {
            ExprTriggerRun.Fired f = run.step(evaluator, WorkBudget.unlimited());
            first = first == null ? f : first;
        }
        return first;
    }

    @Test
    void aFailingEvaluationIsErrorUntilOneSucceeds() throws Exception {
        Condition c = PromqlParser.parse("increase(errors_total[5s]) > 0");
        Condition unrelated = PromqlParser.parse("up == 0");
        SeriesStore store = new SeriesStore(SelectorIndex.builder().add("checkout/other", unrelated).build(),
                StoreLimits.defaults(), new SimpleMeterRegistry(), touches -> { });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ExprTriggerRun run = new ExprTriggerRun(new ExprTrigger("error-rate", "increase(errors_total[5s]) > 0", c,
                Duration.ZERO, null, Duration.ZERO), new EvaluationGrid(STEP), "checkout", new DecideMetrics(registry));
        Evaluator evaluator = new Evaluator(store);

        for (int i = 0; i < 10; i++) { // ten grid instants, each one evaluation that throws
            assertNull(touch(run, evaluator, 10_000 + i * STEP, 10_000 + i * STEP, i, 10_000 + i * STEP), "an error never fires");
        }
        JsonObject view = run.view();
        assertEquals("ERROR", view.getString("state"), view.encode());
        assertTrue(view.getString("error").contains("not registered"), view.encode());
        double failures = registry.counter("release_pilot_trigger_errors_total", "service", "checkout",
                "trigger", "error-rate").count();
        // Ten touches complete nine instants (an instant is final once a newer sample arrives).
        assertEquals(9.0, failures, "every failed evaluation counted, each instant evaluated once");
        List<LogRecord> warnings = logged.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
        assertEquals(1, warnings.size(), "logged once, not once per evaluation");
        assertTrue(warnings.get(0).getMessage().contains("checkout") && warnings.get(0).getMessage().contains("error-rate"),
                warnings.get(0).getMessage());

        // The index catches up: evaluations succeed again, and a real increase fires.
        store.reload(SelectorIndex.builder().add("checkout/error-rate", c).build());
        for (int i = 10; i < 14; i++) {
            store.accept(List.of(errors(10_000 + i * STEP, 5)));
            assertNull(touch(run, evaluator, 10_000 + i * STEP, 10_000 + i * STEP, i, 10_000 + i * STEP));
        }
        view = run.view();
        assertEquals("OK", view.getString("state"), view.encode());
        assertFalse(view.containsKey("error"), view.encode());
        store.accept(List.of(errors(24_000, 9)));
        assertNull(touch(run, evaluator, 24_000, 24_000, 14, 24_000), "24 s decides once a newer sample completes it");
        store.accept(List.of(errors(25_000, 9)));
        assertEquals(24_000, touch(run, evaluator, 25_000, 25_000, 15, 25_000).eventMs());
        assertEquals(failures, registry.counter("release_pilot_trigger_errors_total", "service", "checkout",
                "trigger", "error-rate").count(), "successful evaluations are not counted");
    }
}
