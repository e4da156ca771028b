package dev.releasepilot.act;

import io.vertx.core.Future;

/**
 * Moves traffic through one load balancer's own API. The future completes only after the new
 * weights were read back from the LB and match; it fails with an {@link ActuationFailure} otherwise.
 * Applying the same command twice is harmless.
 */
public interface Actuator {
    Future<Weights> apply(Command command);
}
