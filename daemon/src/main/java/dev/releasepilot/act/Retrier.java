package dev.releasepilot.act;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Bounded retries with exponential backoff and full jitter, on Vert.x timers (never a sleep).
 * Non-retryable failures stop at once.
 */
public record Retrier(Vertx vertx, int attempts, long baseDelayMs, long maxDelayMs) {
    public <T> Future<T> run(Supplier<Future<T>> action) {
        Promise<T> p = Promise.promise();
        attempt(action, 1, p);
        return p.future();
    }

    private <T> void attempt(Supplier<Future<T>> action, int n, Promise<T> p) {
        action.get().onComplete(ar -> {
            if (ar.succeeded()) {
                p.complete(ar.result());
                return;
            }
            boolean retryable = !(ar.cause() instanceof ActuationFailure f) || f.retryable();
            if (!retryable || n >= attempts) {
                p.fail(ar.cause());
                return;
            }
            long cap = Math.min(maxDelayMs, baseDelayMs << Math.min(20, n - 1));
            long delay = 1 + ThreadLocalRandom.current().nextLong(Math.max(1, cap));
            vertx.setTimer(delay, t -> attempt(action, n + 1, p));
        });
    }
}
