package dev.releasepilot.act.caddy;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.peers.Caddy;
import dev.releasepilot.rules.backend.CaddyBackend;
import java.nio.file.Path;

/** The contract against a real Caddy: PATCH the handler's upstreams, read the handler back. */
class CaddyActuatorContractTest extends ActuatorContract {
    private Caddy caddy;

    @Override
    protected Actuator start(Path dir) {
        caddy = new Caddy(dir, stable.address(), canary.address()).start();
        CaddyBackend b = BackendYaml.parse("""
                type: caddy
                admin: %s
                handler_id: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                """.formatted(caddy.admin(), Caddy.HANDLER_ID, stable.address(), canary.address()));
        return Actuators.create(vertx, b);
    }

    @Override
    protected int frontendPort() {
        return caddy.frontendPort;
    }

    @Override
    protected String stableServer() {
        return stable.address();
    }

    @Override
    protected String canaryServer() {
        return canary.address();
    }

    @Override
    protected void stop() {
        caddy.close();
    }
}
