package dev.releasepilot.act;


import dev.releasepilot.act.caddy.CaddyActuator;
import dev.releasepilot.act.caddy.CaddyUpstreamHealth;
import dev.releasepilot.act.exec.ExecActuator;
import dev.releasepilot.act.exec.ExecHealth;
import dev.releasepilot.act.haproxy.HaproxyActuator;
import dev.releasepilot.act.http.HttpActuator;
import dev.releasepilot.act.http.HttpReadHealth;
import dev.releasepilot.act.nginx.NginxActuator;
import dev.releasepilot.act.nginx.NginxServerFlags;
import dev.releasepilot.rules.backend.Backend;
import dev.releasepilot.rules.backend.CaddyBackend;
import dev.releasepilot.rules.backend.ExecBackend;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.backend.HttpBackend;
import dev.releasepilot.rules.backend.NginxBackend;
import io.vertx.core.Vertx;

/** Builds the actuator for a backend config: the one place that knows every adapter. */
public final class Actuators {
    private Actuators() {
    }

    public static Actuator create(Vertx vertx, Backend backend) {
        if (backend instanceof HaproxyBackend h) {
            return new HaproxyActuator(vertx, h);
        }
        if (backend instanceof NginxBackend n) {
            return new StableGuardActuator(new NginxActuator(vertx, n), new NginxServerFlags(vertx, n), n.stable());
        }
        if (backend instanceof CaddyBackend c) {
            return new StableGuardActuator(new CaddyActuator(vertx, c), new CaddyUpstreamHealth(vertx, c), c.stable());
        }
        if (backend instanceof HttpBackend h) {
            HttpActuator http = new HttpActuator(vertx, h);
            boolean checksHealth = h.read().map(r -> !r.healthy().isEmpty()).orElse(false);
            return checksHealth ? new StableGuardActuator(http, new HttpReadHealth(vertx, h), h.stable()) : http;
        }
        if (backend instanceof ExecBackend e) {
            ExecActuator exec = new ExecActuator(vertx, e);
            return e.healthCheck() ? new StableGuardActuator(exec, new ExecHealth(vertx, e), e.stable()) : exec;
        }
        throw new IllegalArgumentException("no actuator for backend kind " + backend.kind());
    }
}
