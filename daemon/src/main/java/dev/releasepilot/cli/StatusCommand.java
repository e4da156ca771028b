package dev.releasepilot.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Shows one service, or all, from a running daemon: a table of state, weights read back, triggers and
 * the last decision, or with {@code --output json} the API's own JSON. Exit codes: 0 shown, 1 refused
 * by the daemon (unknown service, bad token), 2 not reachable.
 */
@Command(name = "status", description = "Show the state of the services of a running daemon.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    DaemonOptions daemon;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Parameters(arity = "0..1", description = "Service name (default: all).")
    String service;

    @Override
    public Integer call() throws Exception {
        return daemon.call(c -> {
            HttpResponse<String> r = c.get(service == null ? "/api/v1/services" : "/api/v1/services/" + service);
            if (output == Output.json || r.statusCode() != 200) {
                return ApiClient.print(r);
            }
            JsonObject body = new JsonObject(r.body());
            List<JsonObject> services = new ArrayList<>();
            if (service == null) {
                body.getJsonArray("services", new JsonArray()).forEach(o -> services.add((JsonObject) o));
            } else {
                services.add(body);
            }
            Table t = new Table("SERVICE", "STATE", "WEIGHTS", "TRIGGERS", "LAST DECISION");
            for (JsonObject s : services) {
                t.row(s.getString("name"), s.getString("state"), weights(s.getJsonObject("weights")),
                        triggers(s.getJsonObject("expr_triggers")), lastDecision(s.getJsonObject("last_decision")));
            }
            t.print(System.out);
            return 0;
        });
    }

    /** {@code stable1=100 canary1=0}, from the weights the daemon last read back ({@code {server: {weight, initial}}}). */
    static String weights(JsonObject w) {
        if (w == null || w.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : w) {
            Object weight = e.getValue() instanceof JsonObject o ? o.getValue("weight") : e.getValue();
            b.append(b.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(weight);
        }
        return b.toString();
    }

    static String triggers(JsonObject expr) {
        if (expr == null || expr.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : expr) {
            String state = e.getValue() instanceof JsonObject o ? o.getString("state") : String.valueOf(e.getValue());
            b.append(b.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(state);
        }
        return b.toString();
    }

    static String lastDecision(JsonObject d) {
        if (d == null) {
            return null;
        }
        String kind = d.getString("kind", d.getString("decision"));
        String trigger = d.getString("trigger");
        String at = d.getString("at");
        return (kind == null ? "?" : kind) + (trigger == null ? "" : " by " + trigger) + (at == null ? "" : " at " + at);
    }
}
