package dev.releasepilot.window;

/**
 * The event-time instants at which to evaluate an expression: every multiple of {@code stepMs} that
 * new samples have passed since the last evaluation. Evaluating on this grid instead of at "whatever
 * timestamp the batch happened to end at" makes the decisions independent of how samples were
 * batched: a stream replayed as one big backlog gives the same answers as the live stream.
 */
public record EvaluationGrid(long stepMs) {
    public EvaluationGrid {
        if (stepMs < 1) {
            throw new IllegalArgumentException("step must be at least 1 ms");
        }
    }

    /**
     * The grid instants in (afterMs, newestMs], oldest first; at most {@code max} of them, the newest
     * ones, so a huge backlog costs bounded work. Pass the last instant evaluated, or for the first
     * evaluation the first {@link Touch#oldestMs()} minus one, so that the first instants of a stream
     * are evaluated however it was batched.
     */
    public long[] due(long afterMs, long newestMs, int max) {
        long last = Math.floorDiv(newestMs, stepMs) * stepMs;
        if (last <= afterMs || max < 1) {
            return new long[0];
        }
        long first = Math.max((Math.floorDiv(afterMs, stepMs) + 1) * stepMs, last - (max - 1L) * stepMs);
        long count = (last - first) / stepMs + 1;
        long[] out = new long[(int) count];
        for (int i = 0; i < count; i++) {
            out[i] = last - (count - 1 - i) * stepMs;
        }
        return out;
    }
}
