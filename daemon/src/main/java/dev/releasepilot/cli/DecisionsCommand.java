package dev.releasepilot.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A service's journal, newest last: alerts seen, decisions with their trigger and reason, actions and
 * their outcome. Exit codes as {@code status}.
 */
@Command(name = "decisions", description = "Show a service's journal: what it saw, what it decided and why, what it did.")
final class DecisionsCommand implements Callable<Integer> {
    @Mixin
    DaemonOptions daemon;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many records, the newest (default: ${DEFAULT-VALUE}).")
    int limit;

    @Parameters(arity = "1", description = "Service name.")
    String service;

    @Override
    public Integer call() throws Exception {
        return daemon.call(c -> {
            HttpResponse<String> r = c.get("/api/v1/decisions?service="
                    + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&limit=" + limit);
            if (output == Output.json || r.statusCode() != 200) {
                return ApiClient.print(r);
            }
            Table t = new Table("SEQ", "AT", "TYPE", "WHAT");
            JsonArray records = new JsonObject(r.body()).getJsonArray("records", new JsonArray());
            for (Object o : records) {
                JsonObject rec = (JsonObject) o;
                t.row(rec.getValue("seq"), rec.getString("at"), rec.getString("type"), what(rec.getJsonObject("body", new JsonObject())));
            }
            t.print(System.out);
            return 0;
        });
    }

    /** One line per record: the fields a person reads first, in the order they read them. */
    static String what(JsonObject b) {
        StringBuilder s = new StringBuilder();
        for (String key : new String[] {"kind", "trigger", "status", "result", "reason", "version", "detail", "error"}) {
            Object v = b.getValue(key);
            if (v != null && !(v instanceof JsonObject) && !(v instanceof JsonArray)) {
                s.append(s.length() == 0 ? "" : " ").append(key).append('=').append(v);
            }
        }
        if (Boolean.TRUE.equals(b.getValue("stale"))) {
            s.append(" (stale)");
        }
        return s.length() == 0 ? null : s.toString();
    }
}
