package dev.releasepilot.act;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wraps one backend's actuator with a circuit breaker, so a dead LB is not hammered with writes and
 * callers learn at once that it is dead:
 * <ul>
 * <li>CLOSED: writes pass; {@code failureThreshold} consecutive write failures open the circuit.</li>
 * <li>OPEN: retries of the write that failed are refused at once with {@code CIRCUIT_OPEN} (retryable:
 * the rollback stays pending) until {@code openFor} has passed since the last failure.</li>
 * <li>HALF_OPEN: the first write after that goes through as a trial, the other retries keep failing
 * fast; the trial's success closes the circuit, its failure opens it for another {@code openFor}.</li>
 * </ul>
 * The circuit protects the load balancer from writes, and only writes move it:
 * <ul>
 * <li>A {@link Command.Read} always passes and never changes the state. A periodic read that cannot
 * judge (an http backend without {@code read:}, a read-back the check does not recognise) is no
 * evidence that a write would fail, and a read must never take the half-open trial from a rollback.</li>
 * <li>A write that is not a retry of the last failed write (another command, or the same kind for
 * another reason, i.e. a new decision) always gets its first attempt, as a trial: the circuit may
 * shorten the retries of a decision, never skip its first attempt.</li>
 * </ul>
 * A rollback held with {@code STABLE_UNAVAILABLE} counts as a success (the LB answered). The failure
 * counter itself
 * ({@code release_pilot_actuation_failures_total}) stays with decide; this class publishes
 * {@code release_pilot_circuit_state{backend,service,state}} (1 for the current state, 0 for the
 * others). Thread-safe without locks: the state is one immutable snapshot swapped by compare-and-set.
 * Time comes from the injected clock.
 */
public final class CircuitBreakingActuator implements Actuator {
    /** The breaker's state; {@link #label()} is the metric label and the API value. */
    public enum State {
        CLOSED, OPEN, HALF_OPEN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Everything the breaker knows, replaced as a whole. */
    private record Snapshot(State state, int failures, Instant openedAt, String lastFailure, Command failedWrite) {
    }

    private final Actuator delegate;
    private final String service;
    private final int failureThreshold;
    private final Duration openFor;
    private final Clock clock;
    private final AtomicReference<Snapshot> snapshot =
            new AtomicReference<>(new Snapshot(State.CLOSED, 0, Instant.EPOCH, null, null));

    /**
     * @param delegate         the backend's own actuator (from {@link Actuators#create})
     * @param service          the service name, a metric label (bounded: it comes from the rule file)
     * @param backendKind      {@code Backend.kind()}, a metric label
     * @param failureThreshold consecutive failures that open the circuit (≥ 1)
     * @param openFor          how long it stays open before one probe call is let through
     * @param registry         where the state gauge goes; a breaker created later for the same service
     *                         (a rule reload) takes the gauge over
     */
    public CircuitBreakingActuator(Actuator delegate, String service, String backendKind, int failureThreshold,
                                   Duration openFor, Clock clock, MeterRegistry registry) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1");
        }
        this.delegate = delegate;
        this.service = service;
        this.failureThreshold = failureThreshold;
        this.openFor = openFor;
        this.clock = clock;
        for (State s : State.values()) {
            Gauge previous = registry.find("release_pilot_circuit_state").tag("backend", backendKind)
                    .tag("service", service).tag("state", s.label()).gauge();
            if (previous != null) {
                registry.remove(previous);
            }
            Gauge.builder("release_pilot_circuit_state", this, b -> b.state() == s ? 1 : 0)
                    .tag("backend", backendKind).tag("service", service).tag("state", s.label())
                    .description("1 for the state the service's actuation circuit breaker is in, 0 for the others")
                    .strongReference(true).register(registry);
        }
    }

    /** The state as a caller sees it now: OPEN turns HALF_OPEN once {@code openFor} has passed. */
    public State state() {
        Snapshot s = snapshot.get();
        return s.state() == State.OPEN && probeDue(s) ? State.HALF_OPEN : s.state();
    }

    /** Failures in a row so far (0 after any success). */
    public int consecutiveFailures() {
        return snapshot.get().failures();
    }

    @Override
    public Optional<CircuitView> circuit() {
        return Optional.of(new CircuitView(state().label(), consecutiveFailures()));
    }

    @Override
    public Future<Weights> apply(Command command) {
        if (command instanceof Command.Read) {
            return delegate.apply(command);
        }
        while (true) {
            Snapshot s = snapshot.get();
            if (s.state() == State.CLOSED) {
                return delegate.apply(command).andThen(ar -> record(command, ar.succeeded(), ar.cause(), false));
            }
            boolean firstAttempt = !command.equals(s.failedWrite());
            if (firstAttempt || (s.state() == State.OPEN && probeDue(s))) {
                Snapshot probing = new Snapshot(State.HALF_OPEN, s.failures(), s.openedAt(), s.lastFailure(), command);
                if (snapshot.compareAndSet(s, probing)) {
                    return delegate.apply(command).andThen(ar -> record(command, ar.succeeded(), ar.cause(), true));
                }
                continue;
            }
            return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.CIRCUIT_OPEN, "service " + service
                    + ": actuation circuit is " + s.state().label() + " after " + s.failures() + " consecutive failures"
                    + (s.state() == State.OPEN ? ", next try in " + Math.max(0,
                    Duration.between(clock.instant(), s.openedAt().plus(openFor)).toMillis()) + " ms" : ", a probe is in flight")
                    + " (last failure: " + s.lastFailure() + ")"));
        }
    }

    private boolean probeDue(Snapshot s) {
        return !clock.instant().isBefore(s.openedAt().plus(openFor));
    }

    private void record(Command command, boolean succeeded, Throwable cause, boolean probe) {
        // A rollback held because no stable server can serve got a full answer from the LB: the LB is
        // alive, so it counts as a success here.
        boolean ok = succeeded
                || cause instanceof ActuationFailure f && f.reason() == ActuationFailure.Reason.STABLE_UNAVAILABLE;
        String message = cause == null ? "unknown" : cause.getMessage();
        snapshot.updateAndGet(s -> {
            if (ok) {
                return new Snapshot(State.CLOSED, 0, Instant.EPOCH, null, null);
            }
            int failures = s.failures() + 1;
            if (probe || (s.state() == State.CLOSED && failures >= failureThreshold)) {
                return new Snapshot(State.OPEN, failures, clock.instant(), message, command);
            }
            // Below the threshold, or a call that began earlier failing while open or during a probe:
            // count it, but leave the state (and the probe's verdict) alone.
            return new Snapshot(s.state(), failures, s.openedAt(), message, s.state() == State.CLOSED ? command : s.failedWrite());
        });
    }
}
