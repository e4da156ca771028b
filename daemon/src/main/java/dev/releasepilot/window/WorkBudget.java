package dev.releasepilot.window;

/**
 * How much evaluation work one turn of an event loop may do: a number of series visits and a wall-time
 * limit, whichever runs out first. The series count makes slices reproducible (tests count them); the
 * time limit keeps a turn short on a slow or busy machine. Single owner: one per turn.
 */
public final class WorkBudget {
    /** Series visits between two reads of the clock. */
    private static final int CLOCK_EVERY = 64;

    private int series;
    private final long deadlineNanos;
    private int sinceClock;
    private boolean timeUp;

    /**
     * @param maxSeries series visits allowed (a range function's or instant selector's step of one series
     *                  is one visit; combining a vector of n elements costs n / 8)
     * @param maxNanos  wall time allowed from now; Long.MAX_VALUE for none
     */
    public WorkBudget(int maxSeries, long maxNanos) {
        this.series = maxSeries;
        long now = System.nanoTime();
        this.deadlineNanos = maxNanos == Long.MAX_VALUE || now + maxNanos < now ? Long.MAX_VALUE : now + maxNanos;
    }

    /** A budget without limits. */
    public static WorkBudget unlimited() {
        return new WorkBudget(Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /** True once the visits or the time are used up (the clock is read every 64 visits). */
    public boolean exhausted() {
        if (series <= 0 || timeUp) {
            return true;
        }
        if (deadlineNanos != Long.MAX_VALUE && ++sinceClock >= CLOCK_EVERY) {
            sinceClock = 0;
            timeUp = System.nanoTime() - deadlineNanos >= 0;
        }
        return timeUp;
    }

    void spend(int visits) {
        series -= visits;
    }
}
