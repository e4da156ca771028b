package dev.releasepilot.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.CircuitBreakingActuator.State;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The breaker's states on virtual time, around an actuator whose answers the test scripts. */
class CircuitBreakingActuatorTest {
    private static final Weights OK = new Weights(Map.of("s", 1), Map.of("s", 1));

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-23T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** Answers with the queued outcomes in order, and counts the calls that reached it. */
    private static final class Scripted implements Actuator {
        final Deque<Promise<Weights>> answers = new ArrayDeque<>();
        int calls;

        @Override
        public Future<Weights> apply(Command command) {
            calls++;
            Promise<Weights> p = Promise.promise();
            answers.add(p);
            return p.future();
        }

        void fail() {
            answers.poll().fail(new ActuationFailure(ActuationFailure.Reason.CONNECT, "refused"));
        }

        void succeed() {
            answers.poll().complete(OK);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final Scripted lb = new Scripted();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CircuitBreakingActuator breaker =
            new CircuitBreakingActuator(lb, "checkout", "nginx", 3, Duration.ofSeconds(30), clock, registry);

    private Future<Weights> call() {
        return breaker.apply(new Command.Rollback("checkout"));
    }

    private double gauge(State s) {
        return registry.get("release_pilot_circuit_state").tags("backend", "nginx", "service", "checkout", "state", s.label())
                .gauge().value();
    }

    private void failTimes(int n) {
        for (int i = 0; i < n; i++) {
            call();
            lb.fail();
        }
    }

    @Test
    void opensAfterTheThresholdAndThenFailsFastWithoutCallingTheLb() {
        failTimes(2);
        assertEquals(State.CLOSED, breaker.state());
        failTimes(1);
        assertEquals(State.OPEN, breaker.state());
        assertEquals(1.0, gauge(State.OPEN));
        assertEquals(0.0, gauge(State.CLOSED));

        Future<Weights> f = call();
        assertEquals(3, lb.calls, "the LB was not called");
        ActuationFailure failure = (ActuationFailure) f.cause();
        assertEquals(ActuationFailure.Reason.CIRCUIT_OPEN, failure.reason());
        assertTrue(failure.retryable());
        assertTrue(failure.getMessage().contains("next try in 30000 ms") && failure.getMessage().contains("refused"),
                failure.getMessage());
    }

    @Test
    void aSuccessResetsTheCount() {
        failTimes(2);
        call();
        lb.succeed();
        failTimes(2);
        assertEquals(State.CLOSED, breaker.state());
        assertEquals(2, breaker.consecutiveFailures());
    }

    @Test
    void afterTheDelayOneProbeGoesThroughAndItsSuccessCloses() {
        failTimes(3);
        clock.now = clock.now.plusSeconds(30);
        assertEquals(State.HALF_OPEN, breaker.state());
        assertEquals(1.0, gauge(State.HALF_OPEN));
        Future<Weights> probe = call();
        Future<Weights> second = call();
        assertEquals(4, lb.calls, "only the probe reached the LB");
        assertEquals(ActuationFailure.Reason.CIRCUIT_OPEN, ((ActuationFailure) second.cause()).reason());
        lb.succeed();
        assertEquals(OK, probe.result());
        assertEquals(State.CLOSED, breaker.state());
        assertEquals(1.0, gauge(State.CLOSED));
    }

    @Test
    void aFailedProbeOpensForAnotherFullDelay() {
        failTimes(3);
        clock.now = clock.now.plusSeconds(31);
        call();
        lb.fail();
        assertEquals(State.OPEN, breaker.state());
        clock.now = clock.now.plusSeconds(29);
        assertEquals(State.OPEN, breaker.state());
        clock.now = clock.now.plusSeconds(1);
        assertEquals(State.HALF_OPEN, breaker.state());
    }

    @Test
    void readsThatFailNeverOpenTheCircuitNorTakeTheTrial() {
        for (int i = 0; i < 10; i++) {
            Future<Weights> read = breaker.apply(new Command.Read("checkout"));
            answerFailure(ActuationFailure.Reason.REJECTED);
            assertTrue(read.failed());
        }
        assertEquals(State.CLOSED, breaker.state(), "ten failed reads are no evidence against a write");
        assertEquals(0, breaker.consecutiveFailures());

        failTimes(3);
        clock.now = clock.now.plusSeconds(30);
        breaker.apply(new Command.Read("checkout"));
        lb.succeed();
        assertEquals(State.HALF_OPEN, breaker.state(), "a read neither takes the trial nor closes the circuit");
        Future<Weights> trial = call();
        assertEquals(15, lb.calls, "the rollback's trial reached the LB");
        lb.succeed();
        assertEquals(OK, trial.result());
        assertEquals(State.CLOSED, breaker.state());
    }

    @Test
    void aNewDecisionGetsItsFirstAttemptWhileTheCircuitIsOpen() {
        failTimes(3);
        assertEquals(ActuationFailure.Reason.CIRCUIT_OPEN, ((ActuationFailure) call().cause()).reason(),
                "a retry of the failed rollback is refused");
        Future<Weights> other = breaker.apply(new Command.Rollback("checkout", "p95"));
        assertEquals(4, lb.calls, "a rollback for another trigger is a new decision: its first attempt is made");
        Future<Weights> retryOfOther = breaker.apply(new Command.Rollback("checkout", "p95"));
        assertEquals(ActuationFailure.Reason.CIRCUIT_OPEN, ((ActuationFailure) retryOfOther.cause()).reason(),
                "its retries are refused while its trial is in flight");
        lb.succeed();
        assertEquals(OK, other.result());
        assertEquals(State.CLOSED, breaker.state());
    }

    private void answerFailure(ActuationFailure.Reason reason) {
        lb.answers.poll().fail(new ActuationFailure(reason, "cannot judge"));
    }

    @Test
    void aNewBreakerForTheSameServiceTakesTheGaugeOver() {
        failTimes(3);
        assertEquals(1.0, gauge(State.OPEN));
        new CircuitBreakingActuator(lb, "checkout", "nginx", 3, Duration.ofSeconds(30), clock, registry);
        assertEquals(0.0, gauge(State.OPEN));
        assertEquals(1.0, gauge(State.CLOSED));
    }
}
