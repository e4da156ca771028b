package dev.releasepilot.act.http;


import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.HttpCall;
import dev.releasepilot.act.OneAtATime;
import dev.releasepilot.act.Placeholders;
import dev.releasepilot.act.ServerPlan;
import dev.releasepilot.act.Weights;
import dev.releasepilot.rules.backend.HttpBackend;
import dev.releasepilot.rules.backend.HttpRequestTemplate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shifts traffic on any LB with an HTTP API: one templated request applies the weights, then the
 * optional read-back request's JSON reply must pass the configured check. Statuses: 2xx applied; 408,
 * 429 and 5xx are SERVER_ERROR (retryable); other 4xx and 3xx are REJECTED.
 *
 * <p>A Read runs only the read-back request and reports whichever known state its check confirms (the
 * rolled-back weights or the configured ones); without a read-back request a Read fails UNREADABLE, since
 * nothing can be read (a read that cannot judge: it never holds a rollback back, see
 * {@link CircuitBreakingActuator}).
 */
public final class HttpActuator implements Actuator {
    private final HttpBackend config;
    private final ServerPlan plan;
    private final HttpCall http;
    private final OneAtATime lane = new OneAtATime("HTTP actuator", 16);

    public HttpActuator(Vertx vertx, HttpBackend config) {
        this.config = config;
        this.plan = new ServerPlan(config.stable(), config.canary());
        this.http = new HttpCall(vertx, "LB API", config.timeout(), true);
    }

    @Override
    public Future<Weights> apply(Command command) {
        return lane.submit(() -> command instanceof Command.Read ? read(command) : shift(command));
    }

    private Future<Weights> shift(Command command) {
        Map<String, Integer> target = plan.target(command);
        Placeholders values = new Placeholders(command, plan, target);
        return send(config.request(), values).compose(reply -> {
            if (config.read().isEmpty()) {
                return Future.succeededFuture(plan.weights(target));
            }
            HttpBackend.ReadBack read = config.read().get();
            return send(read.request(), values).map(r -> {
                JsonCheckEvaluator.Outcome o = JsonCheckEvaluator.evaluate(read.expect(), parse(r), values.json());
                if (!o.holds()) {
                    throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, "read-back check '"
                            + read.expect().text() + "' failed after the " + command.kind() + ": found " + o.found()
                            + ", wanted " + (read.expect().equal() ? "" : "anything but ") + o.expected());
                }
                return plan.weights(target);
            });
        });
    }

    private Future<Weights> read(Command command) {
        if (config.read().isEmpty()) {
            return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.UNREADABLE,
                    "this http backend has no 'read:' request, so its weights cannot be read back"));
        }
        HttpBackend.ReadBack read = config.read().get();
        return send(read.request(), new Placeholders(command, plan, null)).map(r -> {
            Object doc = parse(r);
            for (Map<String, Integer> known : List.of(plan.rolledBack(), plan.configured())) {
                Placeholders as = new Placeholders(new Command.Restore(command.service()), plan, known);
                if (JsonCheckEvaluator.evaluate(read.expect(), doc, as.json()).holds()) {
                    return plan.weights(known);
                }
            }
            throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, "read-back check '" + read.expect().text()
                    + "' matches neither the rolled-back nor the configured weights: " + r.snippet());
        });
    }

    private Future<HttpCall.Reply> send(HttpRequestTemplate t, Placeholders values) {
        String url = t.url().render(values.url());
        Map<String, String> headers = new LinkedHashMap<>();
        t.headers().forEach((name, v) -> headers.put(name, v.render(values.raw())));
        String body = t.body().map(b -> b.render(values.json())).orElse(null);
        if (body != null && headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Type"))) {
            headers.put("Content-Type", "application/json");
        }
        return http.send(t.method(), url, headers, body).map(reply -> {
            if (reply.ok()) {
                return reply;
            }
            int s = reply.status();
            boolean temporary = s == 408 || s == 429 || s >= 500;
            throw new ActuationFailure(temporary ? ActuationFailure.Reason.SERVER_ERROR : ActuationFailure.Reason.REJECTED,
                    "LB API answered " + t.method() + " " + url + " with " + s + " " + reply.snippet());
        });
    }

    private static Object parse(HttpCall.Reply r) {
        try {
            return Json.decodeValue(r.body());
        } catch (DecodeException e) {
            throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, "the read-back reply is not JSON: " + r.snippet());
        }
    }
}
