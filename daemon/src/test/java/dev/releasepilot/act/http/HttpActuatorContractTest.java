package dev.releasepilot.act.http;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.releasepilot.peers.EndlessReply;
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
        // A pool member the rule does not list (another service's, say), idle until a test gives it weight.
        servers.put("other", stable.port);
        lb = new ToyLoadBalancer(vertx, "checkout", servers);
        lb.setWeights(Map.of("other", 0));
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
    protected boolean makeReadsUnjudgeable() {
        lb.setWeights(Map.of("canary", 7)); // configured 1, rolled back 0: 7 is neither
        return true;
    }

    @Override
    protected Actuator withEndlessReplies(EndlessReply endless, Path dir) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: http
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                timeout: 20s
                request:
                  method: PUT
                  url: %s/api/pools/${service}
                  body: '{"weights": ${weights}}'
                read:
                  url: %s
                  expect: '$.servers[1].weight == ${canary_weight}'
                """.formatted(lb.apiUrl(), endless.url("/api/pools/checkout"))));
    }

    @Override
    protected void addUnmanagedConfig() {
        lb.setWeights(Map.of("other", 5));
    }

    @Override
    protected void assertUnmanagedConfigKept() {
        assertEquals(5, lb.weights().get("other"), "the member the rule does not list keeps its weight: " + lb.weights());
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
