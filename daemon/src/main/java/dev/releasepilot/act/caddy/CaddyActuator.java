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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shifts traffic on Caddy 2 through its admin API (PROTOCOLS.md §4), over TCP or a unix socket
 * ({@code admin: unix//path}), with the configured {@code Origin} header for an admin endpoint that
 * enforces it. Caddy 2.6 has no weights, so the weights become repeated entries of the handler's
 * upstream list ({@link CaddyEntries}). A shift reads the handler ({@code GET /id/<handler_id>}), then
 * writes {@code PATCH /id/<handler_id>/upstreams} with the whole list — only that sub-path is written, so
 * the handler keeps its {@code @id}, health checks and policy — then reads the handler back.
 *
 * <p>What the rule does not own is kept: the rule's servers keep the other fields of their upstream
 * entries (e.g. {@code max_requests}), and upstreams the rule does not list keep their entries.
 *
 * <p>A shift is judged by what serves: after a rollback the canary has no entry and every stable server
 * has its entries; the selection policy is not judged, because random or least_conn serve only stable just
 * as well once the canary is out. Only ratio steps need {@code round_robin}: {@link #policyWarning} says
 * so for {@code check}. The reported weights are entry counts: {@code initial} is the count the
 * configured weights map to.
 */
public final class CaddyActuator implements Actuator {
    private final CaddyBackend config;
    private final ServerPlan plan;
    private final CaddyAdmin admin;
    private final OneAtATime lane = new OneAtATime("Caddy actuator", 16);
    private final Map<String, Integer> configuredCounts;
    /**
     * The last entry seen for each of the rule's servers, so a canary taken out by a rollback comes back
     * with its own fields on restore (kept in memory: after a restart it comes back as a bare dial).
     */
    private final Map<String, JsonObject> lastEntry = new ConcurrentHashMap<>();

    public CaddyActuator(Vertx vertx, CaddyBackend config) {
        this.config = config;
        this.plan = new ServerPlan(config.stable(), config.canary());
        this.admin = new CaddyAdmin(vertx, config);
        this.configuredCounts = CaddyEntries.counts(plan.configured(), config.maxEntries());
    }

    @Override
    public Future<Weights> apply(Command command) {
        return lane.submit(() -> command instanceof Command.Read ? handler().map(this::weights) : shift(command));
    }

    /**
     * Why the ratio steps cannot be expressed on this handler (its selection policy is not
     * {@code round_robin}), or empty when they can. For {@code check}: a rollback works either way.
     */
    public Future<Optional<String>> policyWarning() {
        return handler().map(h -> {
            String policy = policy(h);
            return "round_robin".equals(policy) ? Optional.empty() : Optional.of("Caddy handler " + config.handlerId()
                    + " uses selection policy " + policy + ": a rollback works, but ratios between the canary and stable "
                    + "(restore, rollout steps) need load_balancing.selection_policy.policy = round_robin");
        });
    }

    private Future<Weights> shift(Command command) {
        // Servers keep the entry counts of the configured split, so a rolled-back stable server still
        // shows its configured weight (initial); a server at weight 0 gets no entry.
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (command instanceof Command.Shift s && s.canaryPercent() > 0 && s.canaryPercent() < 100) {
            // A rollout step: the share's weights as entry counts (20 % on one server a side is 4:1).
            counts.putAll(CaddyEntries.counts(plan.target(command), config.maxEntries()));
        } else {
            plan.target(command).forEach((server, w) -> counts.put(server, w == 0 ? 0 : configuredCounts.get(server)));
        }
        String path = handlerPath() + "/upstreams";
        return handler().compose(current -> {
            JsonArray existing = current.getJsonArray("upstreams", new JsonArray());
            JsonArray upstreams = new JsonArray();
            for (String dial : CaddyEntries.sequence(counts)) {
                upstreams.add(entryFor(existing, dial, lastEntry.get(dial)));
            }
            for (Object o : existing) {
                if (o instanceof JsonObject u && !counts.containsKey(u.getString("dial"))) {
                    upstreams.add(u); // not the rule's: kept as it was
                }
            }
            return admin.send("PATCH", path, upstreams.encode());
        }).compose(reply -> {
            if (!reply.ok()) {
                return Future.failedFuture(refused("PATCH", path, reply));
            }
            return handler().map(h -> verify(weights(h), counts));
        });
    }

    /** The first existing entry for {@code dial}, so its other fields stay, else the last one seen, else a new one. */
    private static JsonObject entryFor(JsonArray existing, String dial, JsonObject remembered) {
        for (Object o : existing) {
            if (o instanceof JsonObject u && dial.equals(u.getString("dial"))) {
                return u.copy();
            }
        }
        return remembered != null ? remembered.copy() : new JsonObject().put("dial", dial);
    }

    private Future<JsonObject> handler() {
        String path = handlerPath();
        return admin.get(path).map(reply -> {
            if (!reply.ok()) {
                throw refused("GET", path, reply);
            }
            JsonObject handler;
            try {
                handler = new JsonObject(reply.body());
            } catch (DecodeException | ClassCastException e) {
                throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, "Caddy answered GET " + admin.where(path)
                        + " with something that is not a JSON object: " + reply.snippet());
            }
            if (!"reverse_proxy".equals(handler.getString("handler"))) {
                throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "Caddy object @id " + config.handlerId()
                        + " is a '" + handler.getString("handler") + "' handler, not reverse_proxy");
            }
            remember(handler);
            return handler;
        });
    }

    /** Keeps the first entry of each of the rule's servers the handler holds (see {@link #lastEntry}). */
    private void remember(JsonObject handler) {
        Set<String> seen = new HashSet<>();
        for (Object o : handler.getJsonArray("upstreams", new JsonArray())) {
            if (o instanceof JsonObject u && plan.configured().containsKey(u.getString("dial")) && seen.add(u.getString("dial"))) {
                lastEntry.put(u.getString("dial"), u.copy());
            }
        }
    }

    private static String policy(JsonObject handler) {
        JsonObject lb = handler.getJsonObject("load_balancing", new JsonObject());
        return lb.getJsonObject("selection_policy", new JsonObject()).getString("policy", "random (the default)");
    }

    /** Entry counts of the rule's servers; upstreams the rule does not list are not ours to report. */
    private Weights weights(JsonObject handler) {
        Map<String, Integer> current = new LinkedHashMap<>();
        plan.configured().keySet().forEach(s -> current.put(s, 0));
        for (Object o : handler.getJsonArray("upstreams", new JsonArray())) {
            String dial = o instanceof JsonObject u ? u.getString("dial") : null;
            if (dial != null && current.containsKey(dial)) {
                current.merge(dial, 1, Integer::sum);
            }
        }
        Map<String, Integer> initial = new LinkedHashMap<>();
        current.keySet().forEach(s -> initial.put(s, configuredCounts.getOrDefault(s, 0)));
        return new Weights(current, initial);
    }

    private Weights verify(Weights read, Map<String, Integer> counts) {
        List<String> wrong = new ArrayList<>();
        read.current().forEach((server, n) -> {
            int wanted = counts.getOrDefault(server, 0);
            if (n != wanted) {
                wrong.add(server + " has " + n + " entries, wanted " + wanted);
            }
        });
        if (!wrong.isEmpty()) {
            throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, "Caddy handler " + config.handlerId()
                    + " after the PATCH: " + String.join("; ", wrong));
        }
        return read;
    }

    private ActuationFailure refused(String method, String path, HttpCall.Reply reply) {
        String error = reply.snippet();
        try {
            error = new JsonObject(reply.body()).getString("error", error);
        } catch (DecodeException | ClassCastException ignored) {
            // not Caddy's JSON error shape: show the body as it is
        }
        // Caddy answers 500 for configs it cannot load, 404 for unknown ids and 403 for a missing or
        // unlisted Origin/Host: none passes on a retry.
        String hint = switch (reply.status()) {
            case 404 -> " (is the reverse_proxy handler's \"@id\" set to " + config.handlerId() + "?)";
            case 403 -> config.origin().isEmpty()
                    ? " (an admin endpoint with enforce_origin needs the backend's 'origin:' set to one of admin.origins)"
                    : " (is origin " + config.origin().get() + " listed in Caddy's admin.origins?)";
            default -> "";
        };
        return new ActuationFailure(ActuationFailure.Reason.REJECTED, "Caddy refused " + method + " " + admin.where(path)
                + ": " + reply.status() + " " + error + hint);
    }

    private String handlerPath() {
        return "/id/" + config.handlerId();
    }
}
