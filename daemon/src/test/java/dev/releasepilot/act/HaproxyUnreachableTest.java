package dev.releasepilot.act;

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
