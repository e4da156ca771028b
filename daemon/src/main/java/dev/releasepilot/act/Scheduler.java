package dev.releasepilot.act;

import io.vertx.core.Vertx;

/**
 * One-shot timers: the seam that lets retry loops run on virtual time in tests. The Vert.x one fires
 * on the context that scheduled it, so a service's retries stay on the service's own event loop.
 */
public interface Scheduler {
    /** Runs {@code task} once after {@code delayMs}; returns an id for {@link #cancel}. */
    long schedule(long delayMs, Runnable task);

    /** Cancels a task not yet run; unknown or already-run ids are ignored. */
    void cancel(long id);

    static Scheduler of(Vertx vertx) {
        return new Scheduler() {
            @Override
            public long schedule(long delayMs, Runnable task) {
                return vertx.setTimer(Math.max(1, delayMs), t -> task.run());
            }

            @Override
            public void cancel(long id) {
                vertx.cancelTimer(id);
            }
        };
    }
}
