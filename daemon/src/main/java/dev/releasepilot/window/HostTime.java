package dev.releasepilot.window;

import java.time.Clock;
import java.time.Duration;

/**
 * The receiving host's clock, as the edges pass it in, and how far ahead of it a sample may be stamped.
 * Senders' clocks are not to be trusted alone: one sample stamped an hour ahead would otherwise move
 * the store's event time (and evict every series) or a trigger's evaluation time (and blind it). So a
 * sample more than {@code maxSampleFuture} ahead is refused (counted {@code too_far_in_future}; 10 min by
 * default, as Mimir's creation grace period), and what is kept moves shared time at most
 * {@link #MAX_AHEAD_MS} past the host's clock; the rest of it is used when its time comes.
 *
 * @param clock           the daemon's clock (DaemonConfig), read once per batch; null: judge nothing
 *                        against a clock (tests and harnesses that replay arbitrary times)
 * @param maxSampleFuture how far ahead of {@code clock} a sample may be stamped and still be kept
 */
public record HostTime(Clock clock, Duration maxSampleFuture) {
    /** Mimir's default creation grace period. */
    public static final Duration DEFAULT_MAX_SAMPLE_FUTURE = Duration.ofMinutes(10);
    /** How far past the host's clock event time (store eviction, trigger evaluation) may run. */
    public static final long MAX_AHEAD_MS = 1_000;
    /** No clock: nothing refused, nothing held back. */
    public static final HostTime NONE = new HostTime(null, DEFAULT_MAX_SAMPLE_FUTURE);

    public HostTime {
        if (maxSampleFuture.isNegative()) {
            throw new IllegalArgumentException("max sample future cannot be negative: " + maxSampleFuture);
        }
    }

    /** The host's time now (ms); without a clock a time so far ahead that it bounds nothing (and cannot overflow). */
    long nowMs() {
        return clock == null ? Long.MAX_VALUE / 2 : clock.millis();
    }
}
