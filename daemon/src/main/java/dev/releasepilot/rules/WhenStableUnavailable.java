package dev.releasepilot.rules;

import java.util.Locale;

/**
 * What a rollback does when its load balancer reports that no stable server can take traffic (all in
 * maintenance, draining, failing their health check, or without weight): {@code when_stable_unavailable}
 * in a service's rule, default {@link #HOLD}.
 */
public enum WhenStableUnavailable {
    /** Leave the canary serving, journal {@code rollback_blocked}, and finish as soon as a stable server can serve. */
    HOLD,
    /** Drain the canary anyway (users get errors from the LB instead of from the canary) and journal the risk. */
    DRAIN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
