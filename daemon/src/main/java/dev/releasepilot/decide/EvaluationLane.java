package dev.releasepilot.decide;

import java.util.ArrayDeque;

/**
 * The queued evaluation turns of all services whose contexts share one event-loop thread, handed to the
 * loop one at a time. Without it each service with work left queued its next turn on the loop itself, so
 * with 25 busy services on a loop up to 25 turns of 10 ms each sat in the loop's queue ahead of an
 * alert, a command or a journal answer (docs/benchmarks.md, "Memory, pauses and start-up"). With it, at
 * most one turn is in the loop's queue at any time: the next one is queued when the last has run, so
 * other work queued meanwhile runs in between and waits for one turn at most. Services take turns in
 * the order they asked, so a heavy trigger cannot starve another service's.
 *
 * <p>Single owner: one lane per event-loop thread ({@link #current}), used only on that thread; a
 * service's context must be an event-loop context (one thread for its lifetime), which verticles are.
 */
final class EvaluationLane {
    private static final ThreadLocal<EvaluationLane> PER_THREAD = ThreadLocal.withInitial(EvaluationLane::new);

    private final Thread owner = Thread.currentThread();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private boolean inFlight;

    /** The lane of the calling event-loop thread. */
    static EvaluationLane current() {
        return PER_THREAD.get();
    }

    /** True when no turn is queued or running on this thread: a turn may run at once. */
    boolean idle() {
        check();
        return !inFlight;
    }

    /**
     * Asks for a turn: {@code queueTurn} queues the turn on its context's event loop (runOnContext) when it is
     * this one's go; the turn must call {@link #done} on this lane when it has run.
     */
    void request(Runnable queueTurn) {
        check();
        waiting.add(queueTurn);
        if (!inFlight) {
            next();
        }
    }

    /** The turn queued last has run: queue the next one. */
    void done() {
        check();
        inFlight = false;
        next();
    }

    private void next() {
        Runnable r = waiting.poll();
        if (r != null) {
            inFlight = true;
            r.run();
        }
    }

    private void check() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("an evaluation lane is used on " + Thread.currentThread().getName()
                    + ", it belongs to " + owner.getName() + " (a service's context must be an event-loop context)");
        }
    }
}
