package dev.releasepilot.act.caddy;



import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import static dev.releasepilot.act.UnreachableLbContract.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Caddy;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Traffic;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Caddy refusing the actuator: a wrong handler and Caddy's 404s become REJECTED with a hint. */
class CaddyActuatorFaultTest {
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
        caddy = new Caddy(dir, stable.address(), canary.address()).start();
    }

    @AfterEach
    void stop() throws Exception {
        caddy.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Actuator actuator(String handlerId) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: caddy
                admin: %s
                handler_id: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                """.formatted(caddy.admin(), handlerId, stable.address(), canary.address())));
    }

    @Test
    void aHandlerThatIsNoReverseProxyIsRejectedBeforeAnyWriteAndTheOldConfigKeepsServing() throws Exception {
        // The @id exists but names a static_response handler. The shift reads the handler first (to keep what
        // the rule does not own), so it stops there instead of PATCHing a path Caddy answers 500 for.
        ActuationFailure f = failure(actuator(Caddy.STATIC_ID), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason(), f.getMessage());
        assertFalse(f.retryable());
        assertTrue(f.getMessage().contains("'static_response' handler, not reverse_proxy"), f.getMessage());
        Map<String, Integer> traffic = Traffic.count(caddy.frontendPort, 40);
        assertEquals(Map.of("stable", 30, "canary", 10), traffic, "Caddy still runs its previous config");
    }

    @Test
    void anUnknownHandlerIdIsRejectedWithAHint() {
        ActuationFailure f = failure(actuator("rp_nope"), new Command.Read("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason());
        assertTrue(f.getMessage().contains("404") && f.getMessage().contains("\"@id\""), f.getMessage());
    }

    @Test
    void theHandlerKeepsItsIdAndPolicyAcrossShifts() throws Exception {
        Actuator a = actuator(Caddy.HANDLER_ID);
        a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
        a.apply(new Command.Restore("checkout")).await(10, TimeUnit.SECONDS);
        String handler = caddy.get("/id/" + Caddy.HANDLER_ID).body();
        assertTrue(handler.contains("\"@id\":\"" + Caddy.HANDLER_ID + "\"") && handler.contains("round_robin"), handler);
    }
}
