package dev.releasepilot.act;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs an actuator's commands one after another, so two shifts never interleave their writes to the
 * same LB (an NGINX include file, a Caddy upstream list) and a Read never sees half a shift. The queue
 * is bounded: past {@code limit} waiting commands a new one fails at once with {@code BUSY}.
 */
public final class OneAtATime {
    private final int limit;
    private final String what;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicReference<Future<?>> tail = new AtomicReference<>(Future.succeededFuture());

    public OneAtATime(String what, int limit) {
        this.what = what;
        this.limit = limit;
    }

    public <T> Future<T> submit(Supplier<Future<T>> work) {
        if (queued.incrementAndGet() > limit) {
            queued.decrementAndGet();
            return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.BUSY,
                    what + ": " + limit + " commands already waiting"));
        }
        Promise<T> done = Promise.promise();
        Future<?> previous = tail.getAndSet(done.future());
        previous.onComplete(ignored -> {
            Future<T> f;
            try {
                f = work.get();
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            f.onComplete(ar -> {
                queued.decrementAndGet();
                done.handle(ar);
            });
        });
        return done.future();
    }
}
