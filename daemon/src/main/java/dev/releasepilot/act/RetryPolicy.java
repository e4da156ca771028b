package dev.releasepilot.act;

import java.time.Duration;

/**
 * How often and how patiently act tries again.
 *
 * @param attempts   tries in all, the first included (≥ 1); {@link Integer#MAX_VALUE} for "until it works"
 * @param firstDelay the wait after the first failure
 * @param maxDelay   the wait doubles after each further failure up to this cap
 */
public record RetryPolicy(int attempts, Duration firstDelay, Duration maxDelay) {
    /** Quick tries inside one actuation: 3 tries, 50 ms doubling to 1 s (with full jitter, see {@link RetryingActuator}). */
    public static final RetryPolicy QUICK = new RetryPolicy(3, Duration.ofMillis(50), Duration.ofSeconds(1));

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        if (firstDelay.isNegative() || firstDelay.isZero() || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("need 0 < firstDelay <= maxDelay, got " + firstDelay + ", " + maxDelay);
        }
    }

    /** A pending rollback: tried until it works, {@code firstDelay} doubling to 60 s between actuations. */
    public static RetryPolicy pending(Duration firstDelay) {
        return new RetryPolicy(Integer.MAX_VALUE, firstDelay, firstDelay.compareTo(Duration.ofSeconds(60)) > 0
                ? firstDelay : Duration.ofSeconds(60));
    }

    /** The wait after the {@code failures}-th failure in a row (1-based): firstDelay·2^(failures-1), capped. */
    public Duration delayAfter(int failures) {
        long first = firstDelay.toMillis();
        long max = maxDelay.toMillis();
        int shift = Math.min(Math.max(0, failures - 1), 30);
        long d = first > (max >> shift) ? max : first << shift;
        return Duration.ofMillis(Math.min(max, d));
    }
}
