package dev.releasepilot.act;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * Moves traffic through one load balancer's own API. The future completes only after the new
 * weights were read back from the LB and match; it fails with an {@link ActuationFailure} otherwise.
 * Applying the same command twice is harmless.
 */
public interface Actuator {
    Future<Weights> apply(Command command);

    /**
     * The circuit breaker's view, for status pages, when this actuator (or one it wraps) has one.
     * Decorators pass it through, so callers never need to know how a chain was assembled.
     */
    default Optional<CircuitView> circuit() {
        return Optional.empty();
    }
}
