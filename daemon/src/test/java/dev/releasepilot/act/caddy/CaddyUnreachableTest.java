package dev.releasepilot.act.caddy;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.UnreachableLbContract;
class CaddyUnreachableTest extends UnreachableLbContract {
    @Override
    protected Actuator actuatorFor(String hostPort) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: caddy
                admin: http://%s
                handler_id: rp_checkout
                stable: [{server: "127.0.0.1:1", weight: 3}]
                canary: [{server: "127.0.0.1:2", weight: 1}]
                timeout: %dms
                """.formatted(hostPort, TIMEOUT.toMillis())));
    }
}
