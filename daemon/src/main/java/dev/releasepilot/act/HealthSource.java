package dev.releasepilot.act;

import io.vertx.core.Future;
import java.util.Map;

/**
 * Where a load balancer tells, apart from weights, whether each server can take traffic: the
 * per-kind half of the stable-availability check ({@link StableGuardActuator}). Servers it knows
 * nothing about are left out of the map. Fails with an {@link ActuationFailure} when the LB cannot
 * be asked.
 */
@FunctionalInterface
public interface HealthSource {
    /** @param service the service the command is for (templates may name it, as {@code ${service}}) */
    Future<Map<String, ServerHealth>> health(String service);
}
