package dev.releasepilot.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Quick retries inside one actuation, on virtual time, around an actuator whose answers the test scripts. */
class RetryingActuatorTest {
    private static final Weights OK = new Weights(Map.of("s", 1), Map.of("s", 1));

    /** Answers each call with the next scripted failure, then with OK; counts the calls. */
    private static final class Scripted implements Actuator {
        final Deque<ActuationFailure> failures = new ArrayDeque<>();
        int calls;

        @Override
        public Future<Weights> apply(Command command) {
            calls++;
            ActuationFailure f = failures.poll();
            return f == null ? Future.succeededFuture(OK) : Future.failedFuture(f);
        }
    }

    private final VirtualScheduler time = new VirtualScheduler();
    private final Scripted lb = new Scripted();
    private final RetryingActuator retrying = new RetryingActuator(lb, RetryPolicy.QUICK, time);

    private static ActuationFailure fail(ActuationFailure.Reason r) {
        return new ActuationFailure(r, r.name());
    }

    @Test
    void aPassingFailureIsTriedAgainOnTheSchedulerAndSucceeds() {
        lb.failures.add(fail(ActuationFailure.Reason.CONNECT));
        lb.failures.add(fail(ActuationFailure.Reason.TIMEOUT));
        Future<Weights> f = retrying.apply(new Command.Rollback("checkout"));
        assertEquals(1, lb.calls, "the second try waits for the scheduler");
        assertTrue(time.runNext());
        assertTrue(time.runNext());
        assertEquals(3, lb.calls);
        assertEquals(OK, f.result());
        assertTrue(time.now() <= 50 + 100, "waits bounded by 50 ms then 100 ms: " + time.now());
    }

    @Test
    void givesUpAfterTheAttemptsAndSaysHowMany() {
        for (int i = 0; i < 5; i++) {
            lb.failures.add(fail(ActuationFailure.Reason.SERVER_ERROR));
        }
        Future<Weights> f = retrying.apply(new Command.Rollback("checkout"));
        while (time.runNext()) {
            // run every retry
        }
        assertEquals(3, lb.calls);
        ActuationFailure last = (ActuationFailure) f.cause();
        assertEquals(ActuationFailure.Reason.SERVER_ERROR, last.reason());
        assertEquals(3, last.attempts());
    }

    @Test
    void stopsAtOnceOnFailuresThatRepeatOrRefuse() {
        for (ActuationFailure.Reason r : new ActuationFailure.Reason[] {ActuationFailure.Reason.REJECTED,
                ActuationFailure.Reason.CIRCUIT_OPEN, ActuationFailure.Reason.STABLE_UNAVAILABLE}) {
            lb.calls = 0;
            lb.failures.add(fail(r));
            Future<Weights> f = retrying.apply(new Command.Rollback("checkout"));
            assertEquals(0, time.pending(), r + " schedules no retry");
            assertEquals(1, lb.calls);
            assertEquals(r, ((ActuationFailure) f.cause()).reason());
        }
    }

    @Test
    void readsAreNotRetried() {
        lb.failures.add(fail(ActuationFailure.Reason.CONNECT));
        Future<Weights> f = retrying.apply(new Command.Read("checkout"));
        assertTrue(f.failed());
        assertEquals(0, time.pending());
    }

    @Test
    void theCircuitIsReadThroughTheChainAndAHeldRollbackDoesNotOpenIt() {
        assertEquals(Optional.empty(), retrying.circuit(), "no breaker in this chain");
        CircuitBreakingActuator breaker = new CircuitBreakingActuator(lb, "checkout", "haproxy", 2,
                Duration.ofSeconds(30), Clock.systemUTC(), new SimpleMeterRegistry());
        Actuator chain = new RetryingActuator(breaker, RetryPolicy.QUICK, time);
        for (int i = 0; i < 3; i++) {
            lb.failures.add(new ActuationFailure(ActuationFailure.Reason.STABLE_UNAVAILABLE, "no stable server can serve"));
            chain.apply(new Command.Rollback("checkout"));
        }
        assertEquals(new CircuitView("closed", 0), chain.circuit().orElseThrow(),
                "the LB answered every time: holding a rollback is no LB failure");
        lb.failures.add(fail(ActuationFailure.Reason.REJECTED));
        lb.failures.add(fail(ActuationFailure.Reason.REJECTED));
        chain.apply(new Command.Rollback("checkout"));
        chain.apply(new Command.Rollback("checkout"));
        assertEquals("open", chain.circuit().orElseThrow().state());
    }
}
