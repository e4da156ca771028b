package dev.releasepilot.act.haproxy;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.rules.backend.HaproxyBackend;
import java.nio.file.Path;

/** The contract against a real HAProxy (runtime API over TCP; stable1 weight 100, canary1 weight 10). */
class HaproxyActuatorContractTest extends ActuatorContract {
    private Haproxy haproxy;

    @Override
    protected Actuator start(Path dir) {
        haproxy = new Haproxy(dir, stable.port, canary.port).start();
        HaproxyBackend b = BackendYaml.parse("""
                type: haproxy
                address: %s
                backend: be_checkout
                stable: [stable1]
                canary: [canary1]
                """.formatted(haproxy.address()));
        return Actuators.create(vertx, b);
    }

    @Override
    protected int frontendPort() {
        return haproxy.frontendPort;
    }

    @Override
    protected String stableServer() {
        return "stable1";
    }

    @Override
    protected String canaryServer() {
        return "canary1";
    }

    @Override
    protected void stop() {
        haproxy.close();
    }
}
