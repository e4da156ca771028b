package dev.releasepilot.act.exec;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.HealthSource;
import dev.releasepilot.act.Placeholders;
import dev.releasepilot.act.ProcessRun;
import dev.releasepilot.act.ServerHealth;
import dev.releasepilot.act.ServerPlan;
import dev.releasepilot.rules.backend.ExecBackend;
import dev.releasepilot.rules.backend.Template;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The optional health check of an {@code exec} backend ({@code health_check: true}): the same command
 * and arguments with {@code ${command}} and {@code RP_COMMAND} set to {@code health}, run on a worker
 * thread like every exec run. Exit 0 with a JSON object of server to {@code true} or {@code "up"}
 * (can serve) or anything else (cannot); servers it does not name are judged by weight.
 */
public final class ExecHealth implements HealthSource {
    private final Vertx vertx;
    private final ExecBackend config;
    private final ServerPlan plan;
    private final List<String> servers;

    public ExecHealth(Vertx vertx, ExecBackend config) {
        this.vertx = vertx;
        this.config = config;
        this.plan = new ServerPlan(config.stable(), config.canary());
        this.servers = Stream.concat(config.stableServers().stream(), config.canaryServers().stream()).toList();
    }

    @Override
    public Future<Map<String, ServerHealth>> health(String service) {
        Placeholders values = new Placeholders(new Command.Read(service), plan, null);
        Function<String, String> raw = name -> "command".equals(name) ? "health" : values.raw().apply(name);
        List<String> argv = new ArrayList<>();
        argv.add(config.command());
        for (Template t : config.args()) {
            argv.add(t.render(raw));
        }
        Map<String, String> env = new HashMap<>(values.environment());
        env.put("RP_COMMAND", "health");
        return vertx.executeBlocking(() -> {
            try {
                return ProcessRun.run(argv, env, config.timeout());
            } catch (IOException e) {
                throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "cannot run " + config.command() + ": " + e.getMessage());
            }
        }, false).map(this::judge);
    }

    private Map<String, ServerHealth> judge(ProcessRun.Result r) {
        if (r.timedOut() || r.exitCode() != 0) {
            throw new ActuationFailure(r.timedOut() ? ActuationFailure.Reason.TIMEOUT : ActuationFailure.Reason.REJECTED,
                    config.command() + " (health) " + (r.timedOut() ? "timed out" : "exited with " + r.exitCode()) + ": " + r.output());
        }
        JsonObject o;
        try {
            o = new JsonObject(r.stdout().strip());
        } catch (DecodeException | ClassCastException e) {
            throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, config.command()
                    + " (health) must print a JSON object of server to true/\"up\", printed: " + r.output());
        }
        Map<String, ServerHealth> out = new LinkedHashMap<>();
        for (String s : servers) {
            if (o.containsKey(s)) {
                Object v = o.getValue(s);
                boolean up = Boolean.TRUE.equals(v) || "up".equals(v);
                out.put(s, new ServerHealth(up, up ? "up" : String.valueOf(v), "printed " + s + ": " + v));
            }
        }
        return out;
    }
}
