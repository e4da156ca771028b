package dev.releasepilot.act;

import java.time.Duration;
import java.util.Objects;

/**
 * The slow retry loop of a command that must eventually succeed (a pending rollback): after each failed
 * actuation it waits {@link RetryPolicy#delayAfter} (the documented 5 s doubling to 60 s by default),
 * and it tells the caller what to record for that step. One record per step, so an hour-long LB outage
 * costs about 60 journal records per service instead of one every 5 s; consecutive failures of the
 * same reason are counted in the step's {@link Step#repeats()} (their messages differ in details such
 * as "next try in N ms", so the bounded reason is what makes two failures the same). A wait that is not a failure (a rollback held until a stable server can serve) re-checks at
 * the first delay without growing.
 *
 * <p>Single owner: the service's context calls it and its scheduler fires there.
 */
public final class RetrySchedule {
    /**
     * What one failed step records.
     *
     * @param error     this step's message
     * @param repeats   consecutive failures with this same reason, this one included
     * @param failures  failed actuations in a row (whatever their reasons), this one included
     * @param nextRetry how long until the next try
     */
    public record Step(String reason, String error, int repeats, int failures, Duration nextRetry) {
    }

    private final RetryPolicy policy;
    private final Scheduler scheduler;
    private long timer = -1;
    private int failures;
    private int repeats;
    private String lastReason;

    public RetrySchedule(RetryPolicy policy, Scheduler scheduler) {
        this.policy = policy;
        this.scheduler = scheduler;
    }

    /** A failed actuation: schedules {@code retry} after this step's delay and returns what to record. */
    public Step failed(String reason, String error, Runnable retry) {
        failures++;
        repeats = Objects.equals(reason, lastReason) ? repeats + 1 : 1;
        lastReason = reason;
        Duration delay = policy.delayAfter(failures);
        schedule(delay, retry);
        return new Step(reason, error, repeats, failures, delay);
    }

    /** A wait that is no failure: {@code retry} after the first delay; the backoff does not grow. */
    public Duration recheck(Runnable retry) {
        schedule(policy.firstDelay(), retry);
        return policy.firstDelay();
    }

    /** The command went through: the next failure starts the backoff afresh. Cancels a scheduled try. */
    public void reset() {
        cancelTimer();
        failures = 0;
        repeats = 0;
        lastReason = null;
    }

    /** Cancels a scheduled try and keeps the backoff where it is (a try is starting now anyway). */
    public void cancelTimer() {
        if (timer >= 0) {
            scheduler.cancel(timer);
            timer = -1;
        }
    }

    /** Whether a try is scheduled. */
    public boolean scheduled() {
        return timer >= 0;
    }

    /** Failed actuations in a row so far. */
    public int failures() {
        return failures;
    }

    private void schedule(Duration delay, Runnable retry) {
        cancelTimer();
        long[] id = new long[1];
        id[0] = scheduler.schedule(delay.toMillis(), () -> {
            if (timer == id[0]) {
                timer = -1;
            }
            retry.run();
        });
        timer = id[0];
    }
}
