package dev.releasepilot.act;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Quick retries inside one actuation: a changing command (rollback, restore) that fails in a way that
 * may pass (a lost connection, a timeout, a 5xx) is tried again after a short wait with full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), on the injected scheduler, never a sleep.
 * It stops at once on a failure that repeats ({@link ActuationFailure#retryable()} false), on an open
 * circuit (refused until its period ends) and after {@link RetryPolicy#attempts()}. Reads are not
 * retried: the reconcile loop that issues them runs again anyway.
 *
 * <p>A final failure says how many tries it took ({@link ActuationFailure#attempts()}); the longer
 * wait of a rollback that stays pending is {@link RetrySchedule}'s.
 */
public final class RetryingActuator implements Actuator {
    private final Actuator delegate;
    private final RetryPolicy policy;
    private final Scheduler scheduler;

    public RetryingActuator(Actuator delegate, RetryPolicy policy, Scheduler scheduler) {
        this.delegate = delegate;
        this.policy = policy;
        this.scheduler = scheduler;
    }

    @Override
    public Future<Weights> apply(Command command) {
        if (command instanceof Command.Read) {
            return delegate.apply(command);
        }
        Promise<Weights> p = Promise.promise();
        attempt(command, 1, p);
        return p.future();
    }

    @Override
    public Optional<CircuitView> circuit() {
        return delegate.circuit();
    }

    private void attempt(Command command, int n, Promise<Weights> p) {
        Future<Weights> f;
        try {
            f = delegate.apply(command);
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        f.onComplete(ar -> {
            if (ar.succeeded()) {
                p.complete(ar.result());
                return;
            }
            Throwable cause = ar.cause();
            boolean again = !(cause instanceof ActuationFailure af)
                    || (af.retryable() && af.reason() != ActuationFailure.Reason.CIRCUIT_OPEN);
            if (!again || n >= policy.attempts()) {
                p.fail(cause instanceof ActuationFailure af ? af.afterAttempts(n) : cause);
                return;
            }
            long cap = policy.delayAfter(n).toMillis();
            long delay = 1 + ThreadLocalRandom.current().nextLong(Math.max(1, cap));
            scheduler.schedule(delay, () -> attempt(command, n + 1, p));
        });
    }
}
