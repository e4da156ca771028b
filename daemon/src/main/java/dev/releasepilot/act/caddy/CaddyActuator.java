package dev.releasepilot.act.caddy;



import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.HttpCall;
import dev.releasepilot.act.OneAtATime;
import dev.releasepilot.act.ServerPlan;
import dev.releasepilot.rules.backend.CaddyBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shifts traffic on Caddy 2 through its admin API (PROTOCOLS.md §4). Caddy 2.6 has no weights, so the
 * weights become repeated entries of the handler's upstream list ({@link CaddyEntries}) and need the
 * {@code round_robin} policy. A shift is {@code PATCH /id/<handler_id>/upstreams} with the whole list —
 * only that sub-path is written, so the handler keeps its {@code @id} — then {@code GET /id/<handler_id>}
 * reads the handler back. The reported weights are entry counts: {@code initial} is the count the
 * configured weights map to.
 */
public final class CaddyActuator implements Actuator {
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final CaddyBackend config;
    private final ServerPlan plan;
    private final HttpCall http;
    private final OneAtATime lane = new OneAtATime("Caddy actuator", 16);
    private final Map<String, Integer> configuredCounts;

    public CaddyActuator(Vertx vertx, CaddyBackend config) {
        this.config = config;
        this.plan = new ServerPlan(config.stable(), config.canary());
        // Caddy restarts its admin server on every config load and drops idle connections: a pooled one can
        // be closed under the next request, so each call opens its own (loopback: cheap).
        this.http = new HttpCall(vertx, "Caddy admin API", config.timeout(), false);
        this.configuredCounts = CaddyEntries.counts(plan.configured(), config.maxEntries());
    }

    @Override
    public Future<Weights> apply(Command command) {
        return lane.submit(() -> command instanceof Command.Read ? read() : shift(command));
    }

    private Future<Weights> shift(Command command) {
        // Servers keep the entry counts of the configured split, so a rolled-back stable server still
        // shows its configured weight (initial); a server at weight 0 gets no entry.
        Map<String, Integer> counts = new LinkedHashMap<>();
        plan.target(command).forEach((server, w) -> counts.put(server, w == 0 ? 0 : configuredCounts.get(server)));
        JsonArray upstreams = new JsonArray();
        CaddyEntries.sequence(counts).forEach(dial -> upstreams.add(new JsonObject().put("dial", dial)));
        String url = handlerUrl() + "/upstreams";
        return http.send("PATCH", url, JSON, upstreams.encode()).compose(reply -> {
            if (!reply.ok()) {
                return Future.failedFuture(refused("PATCH", url, reply));
            }
            return read().map(w -> verify(w, counts));
        });
    }

    private Future<Weights> read() {
        String url = handlerUrl();
        return http.send("GET", url, Map.of(), null).map(reply -> {
            if (!reply.ok()) {
                throw refused("GET", url, reply);
            }
            JsonObject handler;
            try {
                handler = new JsonObject(reply.body());
            } catch (DecodeException | ClassCastException e) {
                throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, "Caddy answered GET " + url
                        + " with something that is not a JSON object: " + reply.snippet());
            }
            if (!"reverse_proxy".equals(handler.getString("handler"))) {
                throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "Caddy object @id " + config.handlerId()
                        + " is a '" + handler.getString("handler") + "' handler, not reverse_proxy");
            }
            JsonObject lb = handler.getJsonObject("load_balancing", new JsonObject());
            String policy = lb.getJsonObject("selection_policy", new JsonObject()).getString("policy", "random (the default)");
            if (!"round_robin".equals(policy)) {
                throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "Caddy handler " + config.handlerId()
                        + " uses selection policy " + policy + ": ratios by repeated entries need "
                        + "load_balancing.selection_policy.policy = round_robin");
            }
            Map<String, Integer> current = new LinkedHashMap<>();
            plan.configured().keySet().forEach(s -> current.put(s, 0));
            for (Object o : handler.getJsonArray("upstreams", new JsonArray())) {
                String dial = o instanceof JsonObject u ? u.getString("dial") : null;
                if (dial != null) {
                    current.merge(dial, 1, Integer::sum);
                }
            }
            Map<String, Integer> initial = new LinkedHashMap<>();
            current.keySet().forEach(s -> initial.put(s, configuredCounts.getOrDefault(s, 0)));
            return new Weights(current, initial);
        });
    }

    private Weights verify(Weights read, Map<String, Integer> counts) {
        for (Map.Entry<String, Integer> e : read.current().entrySet()) {
            int wanted = counts.getOrDefault(e.getKey(), 0);
            if (e.getValue() != wanted) {
                throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, "Caddy handler " + config.handlerId()
                        + " holds " + e.getValue() + " entries for " + e.getKey() + " after the PATCH, wanted " + wanted);
            }
        }
        return read;
    }

    private ActuationFailure refused(String method, String url, HttpCall.Reply reply) {
        String error = reply.snippet();
        try {
            error = new JsonObject(reply.body()).getString("error", error);
        } catch (DecodeException | ClassCastException ignored) {
            // not Caddy's JSON error shape: show the body as it is
        }
        // Caddy answers 500 for configs it cannot load and 404 for unknown ids: neither passes on a retry.
        String hint = reply.status() == 404 ? " (is the reverse_proxy handler's \"@id\" set to " + config.handlerId() + "?)" : "";
        return new ActuationFailure(ActuationFailure.Reason.REJECTED, "Caddy refused " + method + " " + url + ": "
                + reply.status() + " " + error + hint);
    }

    private String handlerUrl() {
        return config.admin() + "/id/" + config.handlerId();
    }

}
