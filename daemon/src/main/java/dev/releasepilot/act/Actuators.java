package dev.releasepilot.act;


import dev.releasepilot.act.caddy.CaddyActuator;
import dev.releasepilot.act.exec.ExecActuator;
import dev.releasepilot.act.haproxy.HaproxyActuator;
import dev.releasepilot.act.http.HttpActuator;
import dev.releasepilot.act.nginx.NginxActuator;
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
            return new NginxActuator(vertx, n);
        }
        if (backend instanceof CaddyBackend c) {
            return new CaddyActuator(vertx, c);
        }
        if (backend instanceof HttpBackend h) {
            return new HttpActuator(vertx, h);
        }
        if (backend instanceof ExecBackend e) {
            return new ExecActuator(vertx, e);
        }
        throw new IllegalArgumentException("no actuator for backend kind " + backend.kind());
    }
}
