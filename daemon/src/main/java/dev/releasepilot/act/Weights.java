package dev.releasepilot.act;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Weights as read back from the load balancer, per server.
 *
 * @param current the weight the LB uses now
 * @param initial the weight in the LB's own configuration (what a reload would restore)
 */
public record Weights(Map<String, Integer> current, Map<String, Integer> initial) {
    public Weights {
        current = java.util.Collections.unmodifiableMap(new TreeMap<>(current));
        initial = java.util.Collections.unmodifiableMap(new TreeMap<>(initial));
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        current.forEach((server, w) -> o.put(server, new JsonObject().put("weight", w)
                .put("initial", initial.get(server))));
        return o;
    }
}
