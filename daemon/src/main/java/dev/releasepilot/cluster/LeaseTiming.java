package dev.releasepilot.cluster;

import java.time.Duration;

/**
 * How leases are timed.
 *
 * @param ttl       how long a granted or renewed lease lasts (database clock)
 * @param renewEvery how often the keeper renews, heartbeats and looks for free leases
 * @param margin    taken off the local validity, for clock-rate drift and a late renewal answer
 * @param actWithin an actuation starts only if the lease lasts at least this much longer locally;
 *                  shorter than the lease, longer than a load balancer write takes
 */
public record LeaseTiming(Duration ttl, Duration renewEvery, Duration margin, Duration actWithin) {
    /** Failover within ttl + renewEvery (+ catch-up): 2.5 s, well under the 5 s target. */
    public static final LeaseTiming DEFAULTS = new LeaseTiming(Duration.ofSeconds(2), Duration.ofMillis(500),
            Duration.ofMillis(250), Duration.ofMillis(500));

    public LeaseTiming {
        if (renewEvery.compareTo(ttl) >= 0 || renewEvery.isZero() || renewEvery.isNegative()) {
            throw new IllegalArgumentException("the lease renew interval (" + renewEvery.toMillis()
                    + " ms) must be positive and shorter than the lease ttl (" + ttl.toMillis() + " ms)");
        }
        if (margin.plus(actWithin).plus(renewEvery).compareTo(ttl) > 0) {
            throw new IllegalArgumentException("lease ttl " + ttl.toMillis() + " ms is too short for renewals every "
                    + renewEvery.toMillis() + " ms, a margin of " + margin.toMillis() + " ms and actuations within "
                    + actWithin.toMillis() + " ms: a holder would stop acting between renewals");
        }
    }

    public LeaseTiming withTtl(Duration t, Duration renew) {
        return new LeaseTiming(t, renew, margin, actWithin);
    }
}
