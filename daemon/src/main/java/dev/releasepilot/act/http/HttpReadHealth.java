package dev.releasepilot.act.http;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.HealthSource;
import dev.releasepilot.act.HttpCall;
import dev.releasepilot.act.Placeholders;
import dev.releasepilot.act.ServerHealth;
import dev.releasepilot.act.ServerPlan;
import dev.releasepilot.rules.backend.HttpBackend;
import dev.releasepilot.rules.backend.HttpRequestTemplate;
import dev.releasepilot.rules.backend.JsonCheck;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optional health check of an {@code http} backend: the {@code read:} request once more, and per
 * server its {@code read.healthy} check on the JSON reply (holds: the server can serve). Servers
 * without a check are left out, so they are judged by weight as before.
 */
public final class HttpReadHealth implements HealthSource {
    private final HttpBackend config;
    private final HttpBackend.ReadBack read;
    private final ServerPlan plan;
    private final HttpCall http;

    public HttpReadHealth(Vertx vertx, HttpBackend config) {
        this.config = config;
        this.read = config.read().orElseThrow(() -> new IllegalArgumentException("an http health check needs read:"));
        this.plan = new ServerPlan(config.stable(), config.canary());
        this.http = new HttpCall(vertx, "LB API", config.timeout(), true);
    }

    @Override
    public Future<Map<String, ServerHealth>> health(String service) {
        Placeholders values = new Placeholders(new Command.Read(service), plan, null);
        HttpRequestTemplate t = read.request();
        Map<String, String> headers = new LinkedHashMap<>();
        t.headers().forEach((name, v) -> headers.put(name, v.render(values.raw())));
        return http.send(t.method(), t.url().render(values.url()), headers, null).map(reply -> {
            if (!reply.ok()) {
                throw new ActuationFailure(ActuationFailure.Reason.SERVER_ERROR, "health read answered "
                        + reply.status() + " " + reply.snippet());
            }
            Object doc;
            try {
                doc = Json.decodeValue(reply.body());
            } catch (DecodeException e) {
                throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, "the health read reply is not JSON: "
                        + reply.snippet());
            }
            Map<String, ServerHealth> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonCheck> e : read.healthy().entrySet()) {
                JsonCheckEvaluator.Outcome o = JsonCheckEvaluator.evaluate(e.getValue(), doc, values.json());
                out.put(e.getKey(), new ServerHealth(o.holds(), o.holds() ? "healthy" : "unhealthy",
                        e.getValue().text() + ": found " + o.found()));
            }
            return out;
        });
    }
}
