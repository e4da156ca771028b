package dev.releasepilot.decide;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.RetrySchedule;
import dev.releasepilot.act.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Puts a rollout step's canary share on the load balancer through the service's actuator (read back like
 * every actuation) and keeps it there: a failed shift is retried on the rollback's backoff, a load
 * balancer that lost the step's weights (a reload) gets them again. One shift at a time, and never while
 * a rollback wants the actuator: a rollback waits for the shift in flight ({@link #whenIdle}) so its
 * weights are the last written.
 *
 * <p>Single owner: the service's context calls every method and gets every callback.
 */
final class StepDriver {
    /** What the driver reports, on the service's context. */
    interface Outcome {
        void applied(int step, int weight, Weights read, long millis);

        /** @param retryable false when trying again cannot help (a static balance algorithm refusing a share) */
        void failed(int step, int weight, Throwable cause, boolean retryable, RetrySchedule.Step retry);
    }

    private final String service;
    private final Supplier<Actuator> actuator;
    private final RetrySchedule retries;
    private final Outcome outcome;
    private boolean inFlight;
    private int wantedStep = -1;
    private int wantedWeight = -1;
    private boolean done;      // the wanted step's weights were read back
    private boolean givenUp;   // a non-retryable failure: wait for a new step
    private Weights appliedWeights;
    private final List<Runnable> idle = new ArrayList<>();

    StepDriver(String service, Supplier<Actuator> actuator, RetrySchedule retries, Outcome outcome) {
        this.service = service;
        this.actuator = actuator;
        this.retries = retries;
        this.outcome = outcome;
    }

    /**
     * The rollout wants {@code weight} percent for {@code step} ({@code weight} -1: nothing, a rollback or
     * no rollout holds the weights). Shifts when that differs from what was applied last.
     */
    void want(int step, int weight) {
        if (weight < 0) {
            wantedStep = -1;
            wantedWeight = -1;
            retries.cancelTimer();
            return;
        }
        if (step != wantedStep || weight != wantedWeight) {
            wantedStep = step;
            wantedWeight = weight;
            done = false;
            givenUp = false;
            appliedWeights = null;
            retries.reset();
        }
        shift();
    }

    /** Apply the wanted step again even though it was read back before (after a restart; after drift). */
    void again() {
        done = false;
        givenUp = false;
        shift();
    }

    boolean busy() {
        return inFlight;
    }

    /** Runs {@code r} once no shift is in flight (at once if none is). */
    void whenIdle(Runnable r) {
        if (!inFlight) {
            r.run();
        } else {
            idle.add(r);
        }
    }

    /**
     * Whether weights read from the load balancer lost the step applied last (a reload restored the
     * config's weights): only the servers the shift wrote are compared.
     */
    boolean drifted(Weights read) {
        if (!done || inFlight || wantedWeight < 0 || appliedWeights == null) {
            return false;
        }
        return appliedWeights.current().entrySet().stream()
                .anyMatch(e -> read.current().containsKey(e.getKey()) && !read.current().get(e.getKey()).equals(e.getValue()));
    }

    private void shift() {
        if (inFlight || done || givenUp || wantedWeight < 0) {
            return;
        }
        inFlight = true;
        retries.cancelTimer();
        int step = wantedStep;
        int weight = wantedWeight;
        long t0 = System.nanoTime();
        actuator.get().apply(new Command.Shift(service, "rollout step " + step + ": canary " + weight + "%", weight))
                .onComplete(ar -> {
                    inFlight = false;
                    boolean current = step == wantedStep && weight == wantedWeight;
                    if (ar.succeeded() && current) {
                        done = true;
                        appliedWeights = ar.result();
                        retries.reset();
                        outcome.applied(step, weight, ar.result(), (System.nanoTime() - t0) / 1_000_000);
                    } else if (ar.failed() && current) {
                        boolean retryable = !(ar.cause() instanceof ActuationFailure f) || f.retryable()
                                || f.reason() == ActuationFailure.Reason.STABLE_UNAVAILABLE;
                        String reason = ar.cause() instanceof ActuationFailure f
                                ? f.reason().name().toLowerCase(java.util.Locale.ROOT) : "error";
                        RetrySchedule.Step next = null;
                        if (retryable) {
                            next = retries.failed(reason, String.valueOf(ar.cause().getMessage()), this::shift);
                        } else {
                            givenUp = true;
                        }
                        outcome.failed(step, weight, ar.cause(), retryable, next);
                    }
                    List<Runnable> waiting = new ArrayList<>(idle);
                    idle.clear();
                    waiting.forEach(Runnable::run);
                    if (!current) {
                        shift(); // the plan moved on while this one was in flight
                    }
                });
    }
}
