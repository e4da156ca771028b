package dev.releasepilot.act.http;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.peers.ToyLoadBalancer;
import dev.releasepilot.rules.backend.HttpBackend;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The contract against a small real load balancer with an HTTP API (templated PUT, GET + JSON check). */
class HttpActuatorContractTest extends ActuatorContract {
    private ToyLoadBalancer lb;

    @Override
    protected Actuator start(Path dir) {
        Map<String, Integer> servers = new LinkedHashMap<>();
        servers.put("stable", stable.port);
        servers.put("canary", canary.port);
        lb = new ToyLoadBalancer(vertx, "checkout", servers);
        HttpBackend b = BackendYaml.parse("""
                type: http
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                request:
                  method: PUT
                  url: %1$s/api/pools/${service}
                  body: '{"weights": ${weights}, "reason": "${reason}"}'
                read:
                  url: %1$s/api/pools/${service}
                  expect: '$.servers[1].weight == ${canary_weight}'
                """.formatted(lb.apiUrl()));
        return Actuators.create(vertx, b);
    }

    @Override
    protected int frontendPort() {
        return lb.frontendPort;
    }

    @Override
    protected String stableServer() {
        return "stable";
    }

    @Override
    protected String canaryServer() {
        return "canary";
    }

    @Override
    protected void stop() {
        lb.close();
    }
}
