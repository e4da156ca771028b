package dev.releasepilot.act;

/**
 * What a circuit breaker reports about its load balancer.
 *
 * @param state               {@code closed}, {@code open} or {@code half_open}
 * @param consecutiveFailures failures in a row so far (0 after any success)
 */
public record CircuitView(String state, int consecutiveFailures) {
}
