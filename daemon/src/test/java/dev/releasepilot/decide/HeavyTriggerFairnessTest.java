package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.TouchListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A trigger over 100,000 series and a light service on the same event loop (real Vert.x, one event-loop
 * thread): the heavy evaluation runs in many bounded turns, and the other service's alert and light
 * trigger run between two of them — after at most one turn of the heavy trigger, not after its whole
 * evaluation. Asserts on turn counts and order, never on wall time.
 */
class HeavyTriggerFairnessTest {
    private static final int HEAVY_SERIES = 100_000;
    private Vertx vertx;

    @AfterEach
    void close() throws Exception {
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void anotherServicesAlertAndLightTriggerWaitForOneTurnOfAHeavyTriggerAtMost() throws Exception {
        ServiceRule heavyRule = rule("heavy", "sum(rate(load_total[5s])) > 0");
        ServiceRule lightRule = rule("light", "rate(errors_total[5s]) > 0");
        ExprTrigger heavyTrigger = (ExprTrigger) heavyRule.triggers().get(0);
        ExprTrigger lightTrigger = (ExprTrigger) lightRule.triggers().get(0);
        SelectorIndex index = SelectorIndex.builder().add("heavy/t", heavyTrigger.condition())
                .add("light/t", lightTrigger.condition()).build();
        StoreLimits d = StoreLimits.defaults();
        SeriesStore store = new SeriesStore(index, new StoreLimits(HEAVY_SERIES + 1, d.staleness(), d.resolution(),
                d.slack(), d.maxSamplesPerSeries()), new SimpleMeterRegistry(), TouchListener.NONE);
        // Five seconds of samples for 100,000 series, one per second; the light service's one series too.
        for (int second = 0; second <= 5; second++) {
            List<Sample> batch = new ArrayList<>(HEAVY_SERIES + 1);
            for (int i = 0; i < HEAVY_SERIES; i++) {
                batch.add(new Sample(series("load_total", i), second * 1000L, second * 10.0 + i % 3));
            }
            batch.add(new Sample(series("errors_total", 0), second * 1000L, second * 2.0));
            assertTrue(store.accept(batch).succeeded());
        }

        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Context heavyContext = vertx.getOrCreateContext();
        Context lightContext = vertx.getOrCreateContext();
        DecideMetrics metrics = new DecideMetrics(new SimpleMeterRegistry());
        EvaluationGrid grid = new EvaluationGrid(1000);
        List<String> order = new ArrayList<>(); // written on the one event-loop thread only
        CompletableFuture<Void> heavyFired = new CompletableFuture<>();
        CompletableFuture<Void> lightFired = new CompletableFuture<>();
        TriggerEvaluations[] heavy = new TriggerEvaluations[1];
        TriggerEvaluations[] light = new TriggerEvaluations[1];

        CompletableFuture<Void> submitted = new CompletableFuture<>();
        heavyContext.runOnContext(v -> {
            heavy[0] = new TriggerEvaluations("heavy", task -> heavyContext.runOnContext(x -> task.run()),
                    new Evaluator(store), grid, heavyRule, metrics, () -> 1_000_000L, TriggerEvaluations.SERIES_PER_TURN,
                    TriggerEvaluations.NANOS_PER_TURN, (run, fired) -> {
                        order.add("heavy fired after " + heavy[0].turns() + " turns");
                        heavyFired.complete(null);
                    });
            heavy[0].touched("t", 0, 5_000, System.nanoTime()); // its first turn runs here, the rest are queued
            long turnsAtSubmit = heavy[0].turns();
            // Now another service gets an alert and samples for its light trigger, on the same event loop.
            lightContext.runOnContext(x -> {
                order.add("alert handled, heavy turns since: " + (heavy[0].turns() - turnsAtSubmit));
                light[0] = new TriggerEvaluations("light", task -> lightContext.runOnContext(y -> task.run()),
                        new Evaluator(store), grid, lightRule, metrics, () -> 1_000_000L, TriggerEvaluations.SERIES_PER_TURN,
                        TriggerEvaluations.NANOS_PER_TURN, (run, fired) -> {
                            order.add("light fired, heavy turns since: " + (heavy[0].turns() - turnsAtSubmit));
                            lightFired.complete(null);
                        });
                light[0].touched("t", 0, 5_000, System.nanoTime());
            });
            submitted.complete(null);
        });
        submitted.get(30, TimeUnit.SECONDS);
        lightFired.get(60, TimeUnit.SECONDS);
        heavyFired.get(120, TimeUnit.SECONDS);

        CompletableFuture<List<String>> seen = new CompletableFuture<>();
        heavyContext.runOnContext(v -> seen.complete(List.copyOf(order)));
        List<String> events = seen.get(30, TimeUnit.SECONDS);
        assertEquals("alert handled, heavy turns since: 1", events.get(0),
                "the alert waited for one queued turn of the heavy trigger: " + events);
        assertEquals("light fired, heavy turns since: 1", events.get(1), events.toString());
        assertTrue(events.get(2).startsWith("heavy fired after "), events.toString());
        long heavyTurns = Long.parseLong(events.get(2).replaceAll("\\D+", ""));
        // 100,000 series over at most 20,000 visits a turn, for each instant evaluated: many turns, not one block.
        assertTrue(heavyTurns >= HEAVY_SERIES / TriggerEvaluations.SERIES_PER_TURN, events.toString());
    }

    /**
     * Five heavy services on one event loop, all with evaluation left after their first turn: an alert for a
     * sixth service, queued after them, waits for one of their turns, not for a turn of each. Their turns go
     * through the loop's lane one at a time, and the lane still serves all five in turn.
     */
    @Test
    void anAlertWaitsForOneTurnOfAllTheHeavyServicesOnItsLoopNotOneTurnOfEach() throws Exception {
        int services = 5;
        List<ServiceRule> rules = new ArrayList<>();
        SelectorIndex.Builder index = SelectorIndex.builder();
        for (int s = 0; s < services; s++) {
            ServiceRule r = rule("heavy" + s, "sum(rate(load_total[5s])) > 0");
            rules.add(r);
            index.add("heavy" + s + "/t", ((ExprTrigger) r.triggers().get(0)).condition());
        }
        StoreLimits d = StoreLimits.defaults();
        SeriesStore store = new SeriesStore(index.build(), new StoreLimits(HEAVY_SERIES, d.staleness(), d.resolution(),
                d.slack(), d.maxSamplesPerSeries()), new SimpleMeterRegistry(), TouchListener.NONE);
        for (int second = 0; second <= 5; second++) {
            List<Sample> batch = new ArrayList<>(HEAVY_SERIES);
            for (int i = 0; i < HEAVY_SERIES; i++) {
                batch.add(new Sample(series("load_total", i), second * 1000L, second * 10.0 + i % 3));
            }
            assertTrue(store.accept(batch).succeeded());
        }

        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        DecideMetrics metrics = new DecideMetrics(new SimpleMeterRegistry());
        EvaluationGrid grid = new EvaluationGrid(1000);
        TriggerEvaluations[] heavy = new TriggerEvaluations[services];
        List<Integer> firedOrder = new ArrayList<>(); // written on the one event-loop thread only
        CompletableFuture<Void> allFired = new CompletableFuture<>();
        CompletableFuture<Long> alertWaited = new CompletableFuture<>();
        Context alertContext = vertx.getOrCreateContext();
        List<Context> contexts = new ArrayList<>();
        for (int s = 0; s < services; s++) {
            contexts.add(vertx.getOrCreateContext());
        }
        contexts.get(0).runOnContext(v -> {
            for (int s = 0; s < services; s++) {
                Context c = contexts.get(s);
                int n = s;
                heavy[s] = new TriggerEvaluations("heavy" + s, task -> c.runOnContext(x -> task.run()), new Evaluator(store),
                        grid, rules.get(s), metrics, () -> 1_000_000L, TriggerEvaluations.SERIES_PER_TURN,
                        TriggerEvaluations.NANOS_PER_TURN, (run, fired) -> {
                            if (!firedOrder.contains(n)) {
                                firedOrder.add(n);
                            }
                            if (firedOrder.size() == services) {
                                allFired.complete(null);
                            }
                        });
            }
            for (int s = 0; s < services; s++) {
                heavy[s].touched("t", 0, 5_000, System.nanoTime()); // a first turn at once, the rest waits in the lane
            }
            long atSubmit = turns(heavy);
            alertContext.runOnContext(x -> alertWaited.complete(turns(heavy) - atSubmit));
        });
        long waited = alertWaited.get(60, TimeUnit.SECONDS);
        allFired.get(120, TimeUnit.SECONDS);
        assertEquals(1, waited, "the alert waited for this many turns of the heavy services");
        assertEquals(services, firedOrder.size(), firedOrder.toString());
    }

    private static long turns(TriggerEvaluations[] all) {
        long n = 0;
        for (TriggerEvaluations t : all) {
            n += t.turns();
        }
        return n;
    }

    private static Labels series(String metric, int i) {
        Map<String, String> m = new TreeMap<>();
        m.put(Labels.METRIC_NAME, metric);
        m.put("instance", "i" + i);
        return Labels.of(m);
    }

    private static ServiceRule rule(String name, String expr) {
        LoadResult r = RuleLoader.parse(name + ".yaml", "services:\n"
                + "  - name: " + name + "\n"
                + "    backend: {type: exec, command: /bin/true, args: [], stable: [{server: s, weight: 1}],"
                + " canary: [{server: c, weight: 1}]}\n"
                + "    triggers:\n"
                + "      - name: t\n"
                + "        expr: '" + expr + "'\n");
        if (!r.ok()) {
            throw new AssertionError(r.errors().toString());
        }
        return r.rules().services().get(0);
    }
}
