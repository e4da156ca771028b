package dev.releasepilot.act.http;


import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import static dev.releasepilot.act.UnreachableLbContract.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.ToyLoadBalancer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The http actuator's templates and status handling, against a small real LB with an HTTP API. */
class HttpActuatorTest {
    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private ToyLoadBalancer lb;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
        Map<String, Integer> servers = new LinkedHashMap<>();
        servers.put("stable", stable.port);
        servers.put("canary", canary.port);
        lb = new ToyLoadBalancer(vertx, "checkout", servers);
    }

    @AfterEach
    void stop() throws Exception {
        lb.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Actuator actuator(String expect, boolean withRead) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: http
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                request:
                  method: PUT
                  url: %1$s/api/pools/${service}
                  headers: {Authorization: "Bearer t0k", X-Rp-Command: "${command}"}
                  body: '{"weights": ${weights}, "reason": "${reason}", "canary": ${canary_weight}, "stable": ${stable_weight}}'
                """.formatted(lb.apiUrl()) + (withRead ? """
                read:
                  url: %1$s/api/pools/${service}
                  expect: '%2$s'
                """.formatted(lb.apiUrl(), expect) : "")));
    }

    @Test
    void placeholdersAreFilledInAndStringsAreEscapedForJson() throws Exception {
        Weights w = actuator("$.servers[1].weight == ${canary_weight}", true)
                .apply(new Command.Rollback("checkout", "trigger \"error-rate\" fired")).await(10, TimeUnit.SECONDS);
        assertEquals(Map.of("stable", 3, "canary", 0), w.current());
        JsonObject body = lb.lastBody();
        assertEquals(new JsonObject().put("stable", 3).put("canary", 0), body.getJsonObject("weights"));
        assertEquals("trigger \"error-rate\" fired", body.getString("reason"));
        assertEquals(0, body.getInteger("canary"));
        assertEquals(3, body.getInteger("stable"));
        assertEquals("Bearer t0k", lb.lastHeaders().get("authorization"));
        assertEquals("rollback", lb.lastHeaders().get("x-rp-command"));
        assertEquals("application/json", lb.lastHeaders().get("content-type"));
    }

    @Test
    void anLbAnswering500IsATemporaryServerError() {
        lb.failWith(500);
        ActuationFailure f = failure(actuator("$.servers[1].weight == ${canary_weight}", true), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.SERVER_ERROR, f.reason(), f.getMessage());
        assertTrue(f.retryable());
        assertTrue(f.getMessage().contains("500") && f.getMessage().contains("injected failure"), f.getMessage());
    }

    @Test
    void anLbAnswering400IsRejected() {
        lb.failWith(400);
        ActuationFailure f = failure(actuator("$.servers[1].weight == ${canary_weight}", true), new Command.Restore("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason(), f.getMessage());
        assertFalse(f.retryable());
    }

    @Test
    void aReadBackThatDoesNotShowTheNewWeightsIsAMismatch() {
        // Index 0 is the stable server: after a rollback it holds 3, not the canary's 0.
        ActuationFailure f = failure(actuator("$.servers[0].weight == ${canary_weight}", true), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.VERIFY_MISMATCH, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains("found 3, wanted 0"), f.getMessage());
    }

    @Test
    void readTellsWhichKnownStateTheLbIsIn() throws Exception {
        Actuator a = actuator("$.servers[1].weight == ${canary_weight}", true);
        a.apply(new Command.Restore("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(Map.of("stable", 3, "canary", 1), a.apply(new Command.Read("checkout")).await(10, TimeUnit.SECONDS).current());
        a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(Map.of("stable", 3, "canary", 0), a.apply(new Command.Read("checkout")).await(10, TimeUnit.SECONDS).current());
    }

    @Test
    void withoutAReadRequestReadIsUnreadableAndShiftsTrustThe2xx() throws Exception {
        Actuator a = actuator(null, false);
        assertEquals(Map.of("stable", 3, "canary", 0),
                a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS).current());
        assertEquals(Map.of("stable", 3, "canary", 0), lb.weights());
        ActuationFailure f = failure(a, new Command.Read("checkout"));
        assertEquals(ActuationFailure.Reason.UNREADABLE, f.reason(), "a read that cannot judge, not a refusal");
        assertFalse(f.retryable());
    }
}
