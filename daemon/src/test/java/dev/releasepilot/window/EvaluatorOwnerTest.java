package dev.releasepilot.window;

import static dev.releasepilot.window.Fixtures.condition;
import static dev.releasepilot.window.Fixtures.counter;
import static dev.releasepilot.window.Fixtures.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Condition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An evaluator has one owner thread (its scratch space is not shared): any other caller fails loudly. */
class EvaluatorOwnerTest {
    private static final Condition RATE = condition("rate(errors_total[1m]) > 0");

    @Test
    void aCallFromAThreadOtherThanTheOwnersIsRefused() throws Exception {
        SeriesStore store = new SeriesStore(Fixtures.index(RATE), StoreLimits.defaults(), new SimpleMeterRegistry(),
                TouchListener.NONE);
        store.accept(counter(labels("errors_total"), 0, 60_000, 10_000, 0, 1));
        Evaluator evaluator = new Evaluator(store);
        assertEquals(Outcome.TRUE, evaluator.evaluate(RATE, 60_000).outcome(), "the first caller becomes the owner");

        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                CompletableFuture.supplyAsync(() -> evaluator.evaluate(RATE, 60_000), runnable -> {
                    Thread t = new Thread(runnable, "other-event-loop");
                    t.start();
                }).get(10, TimeUnit.SECONDS));
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertInstanceOf(IllegalStateException.class,
                e.getCause());
        assertTrue(refused.getMessage().contains("other-event-loop")
                && refused.getMessage().contains(Thread.currentThread().getName()), refused.getMessage());

        assertEquals(Outcome.TRUE, evaluator.evaluate(RATE, 60_000).outcome(), "the owner can still use it");
    }

    @Test
    void theOwnerIsTheFirstThreadThatEvaluatesNotTheOneThatBuiltIt() throws Exception {
        SeriesStore store = new SeriesStore(Fixtures.index(RATE), StoreLimits.defaults(), new SimpleMeterRegistry(),
                TouchListener.NONE);
        store.accept(counter(labels("errors_total"), 0, 60_000, 10_000, 0, 1));
        Evaluator evaluator = new Evaluator(store); // built here, as a controller builds it before deployment
        Outcome onOwner = CompletableFuture.supplyAsync(() -> evaluator.evaluate(RATE, 60_000).outcome(), runnable ->
                new Thread(runnable, "service-context").start()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.TRUE, onOwner);
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> evaluator.evaluate(RATE, 60_000));
        assertTrue(refused.getMessage().contains("service-context"), refused.getMessage());
    }
}
