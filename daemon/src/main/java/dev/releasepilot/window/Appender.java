package dev.releasepilot.window;

import io.vertx.core.Future;

/**
 * One batch of samples into a {@link SampleSink}, used by one thread from start to {@link #commit}.
 * Samples are kept as they are appended; the commit publishes what the batch changed (event time,
 * which expressions to evaluate) and reports whether some were refused for lack of room.
 *
 * <p>Samples that are not kept (no rule selects the series, out of order, duplicate, over the series
 * limit) are counted by the sink; the appender tells the caller only what it needs to go on.
 */
public interface Appender {
    /**
     * Appends to the series with these labels, creating it when a rule selects it. Returns a ref for
     * appending to the same series again, or null when the sink holds no such series (not selected,
     * over the series limit, or a stale marker for a series it never had).
     */
    SeriesRef append(Labels labels, long timestampMs, double value);

    /**
     * Appends through a ref from an earlier {@link #append(Labels, long, double)} of this sink. False when
     * the ref has been released (the series was evicted or a reload deselected it): nothing was appended,
     * append by labels instead.
     */
    boolean append(SeriesRef ref, long timestampMs, double value);

    /**
     * Ends the batch. Fails with {@link StoreOverLimit} when series were refused for lack of room (the
     * other samples were kept); the appender must not be used afterwards.
     */
    Future<Void> commit();
}
