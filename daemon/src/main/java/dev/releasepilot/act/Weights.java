package dev.releasepilot.act;

import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Weights as read back from the load balancer, per server, and what the LB says about each server's
 * health where it tells (HAProxy always; the other kinds where docs/backends.md says so).
 *
 * @param current the weight the LB uses now
 * @param initial the weight in the LB's own configuration (what a reload would restore)
 * @param health  per server, when the LB reports it; a server missing here is judged by weight alone
 */
public record Weights(Map<String, Integer> current, Map<String, Integer> initial, Map<String, ServerHealth> health) {
    public Weights {
        current = Collections.unmodifiableMap(new TreeMap<>(current));
        initial = Collections.unmodifiableMap(new TreeMap<>(initial));
        health = Collections.unmodifiableMap(new TreeMap<>(health));
    }

    /** Weights from an LB that reports no health. */
    public Weights(Map<String, Integer> current, Map<String, Integer> initial) {
        this(current, initial, Map.of());
    }

    /** Whether {@code server} takes new requests now: weight above 0 and, where the LB tells, up. */
    public boolean serves(String server) {
        ServerHealth h = health.get(server);
        return current.getOrDefault(server, 0) > 0 && (h == null || h.up());
    }

    /** Whether at least one of {@code servers} takes new requests now. */
    public boolean anyServes(Collection<String> servers) {
        return servers.stream().anyMatch(this::serves);
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        current.forEach((server, w) -> {
            JsonObject s = new JsonObject().put("weight", w).put("initial", initial.get(server));
            ServerHealth h = health.get(server);
            if (h != null) {
                s.put("up", h.up()).put("state", h.state());
            }
            o.put(server, s);
        });
        return o;
    }
}
