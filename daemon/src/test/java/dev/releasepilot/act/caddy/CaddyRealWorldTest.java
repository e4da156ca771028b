package dev.releasepilot.act.caddy;

import static dev.releasepilot.act.UnreachableLbContract.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.Caddy;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Traffic;
import dev.releasepilot.rules.backend.CaddyBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real Caddy set up the ways operators run it: the default selection policy, per-upstream fields and
 * upstreams the rule does not list, an admin endpoint with enforce_origin, an admin endpoint on a unix
 * socket.
 */
class CaddyRealWorldTest {
    @TempDir
    Path dir;
    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private Caddy caddy;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
        caddy = new Caddy(dir, stable.address(), canary.address());
    }

    @AfterEach
    void stop() throws Exception {
        caddy.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private CaddyActuator actuator(String admin, String extra) {
        CaddyBackend b = BackendYaml.parse("""
                type: caddy
                admin: %s
                handler_id: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                %s
                """.formatted(admin, Caddy.HANDLER_ID, stable.address(), canary.address(), extra));
        return new CaddyActuator(vertx, b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "least_conn", "random", "round_robin"})
    void aRollbackIsJudgedByWhatServesWhateverThePolicy(String policy) throws Exception {
        caddy.policy(policy.isEmpty() ? null : policy).start();
        CaddyActuator a = actuator(caddy.admin(), "");
        Weights w = a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(Map.of(stable.address(), 3, canary.address(), 0), w.current(), "verified on the first attempt");
        assertEquals(Map.of("stable", 40), Traffic.count(caddy.frontendPort, 40));
        assertEquals(w, a.apply(new Command.Read("checkout")).await(10, TimeUnit.SECONDS));
        Optional<String> warning = a.policyWarning().await(10, TimeUnit.SECONDS);
        if (policy.equals("round_robin")) {
            assertEquals(Optional.empty(), warning);
        } else {
            assertTrue(warning.orElseThrow().contains("need load_balancing.selection_policy.policy = round_robin")
                    && warning.get().contains(policy.isEmpty() ? "random (the default)" : policy), warning.get());
        }
    }

    @Test
    void fieldsAndUpstreamsTheRuleDoesNotOwnAreKept() throws Exception {
        NamedUpstream other = new NamedUpstream(vertx, "other");
        try {
            JsonArray upstreams = new JsonArray();
            for (String dial : new String[] {stable.address(), canary.address(), stable.address()}) {
                upstreams.add(new JsonObject().put("dial", dial).put("max_requests", 64));
            }
            upstreams.add(new JsonObject().put("dial", other.address()).put("max_requests", 8));
            caddy.upstreams(upstreams).start();
            CaddyActuator a = actuator(caddy.admin(), "");
            a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
            JsonArray after = new JsonObject(caddy.get("/id/" + Caddy.HANDLER_ID).body()).getJsonArray("upstreams");
            int stableEntries = 0;
            for (Object o : after) {
                JsonObject u = (JsonObject) o;
                assertTrue(!u.getString("dial").equals(canary.address()), "the canary is out: " + after);
                if (u.getString("dial").equals(stable.address())) {
                    stableEntries++;
                    assertEquals(64, u.getInteger("max_requests"), "a stable entry keeps its fields: " + after);
                }
            }
            assertEquals(3, stableEntries, after.encode());
            assertTrue(after.contains(new JsonObject().put("dial", other.address()).put("max_requests", 8)),
                    "the upstream the rule does not list is kept as it was: " + after);
            Map<String, Integer> traffic = Traffic.count(caddy.frontendPort, 40);
            assertEquals(40, traffic.getOrDefault("stable", 0) + traffic.getOrDefault("other", 0), traffic.toString());
        } finally {
            other.close();
        }
    }

    @Test
    void anAdminEndpointThatEnforcesTheOriginNeedsTheOriginSetting() throws Exception {
        String listen = "127.0.0.1:" + caddy.adminPort;
        caddy.admin(new JsonObject().put("listen", listen).put("enforce_origin", true)
                .put("origins", new JsonArray().add("http://localhost:" + caddy.adminPort).add(listen))).start();
        ActuationFailure f = failure(actuator(caddy.admin(), ""), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains("403") && f.getMessage().contains("'origin:'"), f.getMessage());

        Weights w = actuator(caddy.admin(), "origin: http://localhost:" + caddy.adminPort)
                .apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(0, w.current().get(canary.address()));
        assertEquals(Map.of("stable", 20), Traffic.count(caddy.frontendPort, 20));
    }

    @Test
    void anAdminEndpointOnAUnixSocket() throws Exception {
        Path socket = dir.resolve("admin.sock");
        caddy.admin(new JsonObject().put("listen", "unix/" + socket)).start();
        CaddyActuator a = actuator("unix/" + socket, "");
        Weights w = a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(0, w.current().get(canary.address()));
        assertEquals(Map.of("stable", 20), Traffic.count(caddy.frontendPort, 20));
        assertEquals(w, a.apply(new Command.Read("checkout")).await(10, TimeUnit.SECONDS));
    }
}
