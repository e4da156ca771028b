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
     * The grid instants in (lastEvaluatedMs, newestMs], oldest first; at most {@code max} of them, the
     * newest ones, so a huge backlog costs bounded work. Long.MIN_VALUE means "never evaluated": only
     * the newest instant is due.
     */
    public long[] due(long lastEvaluatedMs, long newestMs, int max) {
        long last = Math.floorDiv(newestMs, stepMs) * stepMs;
        if (last <= lastEvaluatedMs || max < 1) {
            return new long[0];
        }
        long first = lastEvaluatedMs == Long.MIN_VALUE ? last
                : (Math.floorDiv(lastEvaluatedMs, stepMs) + 1) * stepMs;
        long count = Math.min((last - first) / stepMs + 1, max);
        long[] out = new long[(int) count];
        for (int i = 0; i < count; i++) {
            out[i] = last - (count - 1 - i) * stepMs;
        }
        return out;
    }
}
