package dev.releasepilot.act.http;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.UnreachableLbContract;
class HttpUnreachableTest extends UnreachableLbContract {
    @Override
    protected Actuator actuatorFor(String hostPort) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: http
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                request:
                  method: PUT
                  url: http://%1$s/api/pools/${service}
                  body: '{"weights": ${weights}}'
                read:
                  url: http://%1$s/api/pools/${service}
                  expect: '$.servers[1].weight == ${canary_weight}'
                timeout: %2$dms
                """.formatted(hostPort, TIMEOUT.toMillis())));
    }
}
