package dev.releasepilot.rules.backend;

import java.time.Duration;

/** Where a service's traffic is shifted. One record per load-balancer kind. */
public sealed interface Backend permits HaproxyBackend, WeightedBackend {
    /** A bounded label for metrics, e.g. "haproxy". */
    String kind();

    /** Per-call timeout for the LB's API. */
    Duration timeout();

    /** The names the actuator's read-back {@code Weights} uses for the stable servers. */
    java.util.List<String> stableServers();

    /** The names the actuator's read-back {@code Weights} uses for the canary servers. */
    java.util.List<String> canaryServers();
}
