package dev.releasepilot.act.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.ToyLoadBalancer;
import dev.releasepilot.peers.Traffic;
import dev.releasepilot.rules.backend.HttpBackend;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The http backend's optional health check ({@code read.healthy}) against a small real LB with an HTTP
 * API that proxies: a stable server in maintenance holds the rollback; back up, it goes through.
 */
class HttpStableGuardTest {
    static final int REQUESTS = 20;

    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private ToyLoadBalancer lb;
    private Actuator actuator;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
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
                  body: '{"weights": ${weights}}'
                read:
                  url: %1$s/api/pools/${service}
                  expect: '$.servers[1].weight == ${canary_weight}'
                  healthy:
                    stable: '$.servers[0].state == "up"'
                """.formatted(lb.apiUrl()));
        actuator = Actuators.create(vertx, b);
    }

    @AfterEach
    void stop() throws Exception {
        lb.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aStableServerInMaintenanceHoldsTheRollbackUntilItIsBack() throws Exception {
        actuator.apply(new Command.Restore("checkout")).await(20, TimeUnit.SECONDS);
        lb.maintenance("stable", true);
        ActuationFailure f = null;
        try {
            actuator.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
            fail("the rollback should be held");
        } catch (Throwable t) {
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            f = (ActuationFailure) t;
        }
        assertEquals(ActuationFailure.Reason.STABLE_UNAVAILABLE, f.reason(), f.getMessage());
        assertEquals("unhealthy", f.observed().health().get("stable").state());
        assertEquals(1, lb.weights().get("canary"), "nothing written");
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(lb.frontendPort, REQUESTS), "no 503");

        lb.maintenance("stable", false);
        Weights w = actuator.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
        assertEquals(0, w.current().get("canary"));
        assertTrue(w.serves("stable"), w::toString);
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(lb.frontendPort, REQUESTS));
    }
}
