package dev.releasepilot.act.caddy;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.HealthSource;
import dev.releasepilot.act.HttpCall;
import dev.releasepilot.act.ServerHealth;
import dev.releasepilot.rules.backend.CaddyBackend;
import dev.releasepilot.rules.backend.WeightedServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What Caddy 2.6's admin API tells about upstream health: {@code GET /reverse_proxy/upstreams} lists
 * each upstream's {@code fails}, the failures its passive health check counts within
 * {@code fail_duration}; an upstream with {@code fails >= max_fails} (read from the handler's
 * {@code health_checks.passive}, default 1) is out of rotation, and Caddy answers 503 when none is left
 * (observed with 2.6.2). Active health-check results are not in 2.6's API, so they are not judged;
 * neither is an upstream the list does not show (it may simply not be in the pool yet).
 * Source: caddyserver/caddy v2.6.2 modules/caddyhttp/reverseproxy/admin.go, healthchecks.go.
 */
public final class CaddyUpstreamHealth implements HealthSource {
    private final CaddyBackend config;
    private final CaddyAdmin admin;
    private final List<String> servers;

    public CaddyUpstreamHealth(Vertx vertx, CaddyBackend config) {
        this.config = config;
        this.admin = new CaddyAdmin(vertx, config);
        this.servers = Stream.concat(config.stable().stream(), config.canary().stream()).map(WeightedServer::server).toList();
    }

    @Override
    public Future<Map<String, ServerHealth>> health(String service) {
        Future<HttpCall.Reply> upstreams = admin.get("/reverse_proxy/upstreams");
        Future<HttpCall.Reply> passive = admin.get("/id/" + config.handlerId() + "/health_checks/passive/max_fails");
        return Future.join(upstreams, passive).transform(ar -> {
            if (upstreams.failed()) {
                return Future.failedFuture(upstreams.cause());
            }
            HttpCall.Reply u = upstreams.result();
            if (!u.ok()) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.PROTOCOL,
                        "Caddy GET /reverse_proxy/upstreams answered " + u.status() + ": " + u.snippet()));
            }
            // No passive health check configured: the key is absent (an error reply) and Caddy counts no fails.
            int maxFails = 1;
            if (passive.succeeded() && passive.result().ok() && passive.result().body().strip().matches("\\d+")) {
                maxFails = Math.max(1, Integer.parseInt(passive.result().body().strip()));
            }
            try {
                return Future.succeededFuture(judge(new JsonArray(u.body()), maxFails));
            } catch (RuntimeException e) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.PROTOCOL,
                        "Caddy GET /reverse_proxy/upstreams is not a JSON array of upstreams: " + u.snippet()));
            }
        });
    }

    private Map<String, ServerHealth> judge(JsonArray list, int maxFails) {
        Map<String, Integer> fails = new HashMap<>();
        for (Object o : list) {
            JsonObject up = (JsonObject) o;
            fails.put(up.getString("address"), up.getInteger("fails", 0));
        }
        Map<String, ServerHealth> out = new LinkedHashMap<>();
        for (String s : servers) {
            Integer f = fails.get(s);
            if (f != null) {
                boolean up = f < maxFails;
                out.put(s, new ServerHealth(up, up ? "healthy" : "unhealthy", "fails=" + f + " max_fails=" + maxFails));
            }
        }
        return out;
    }
}
