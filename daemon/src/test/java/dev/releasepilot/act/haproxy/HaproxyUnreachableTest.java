package dev.releasepilot.act.haproxy;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.UnreachableLbContract;
class HaproxyUnreachableTest extends UnreachableLbContract {
    @Override
    protected Actuator actuatorFor(String hostPort) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: haproxy
                address: %s
                backend: be_checkout
                stable: [stable1]
                canary: [canary1]
                timeout: %dms
                """.formatted(hostPort, TIMEOUT.toMillis())));
    }
}
