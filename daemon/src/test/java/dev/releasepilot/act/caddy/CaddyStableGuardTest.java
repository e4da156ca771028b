package dev.releasepilot.act.caddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.Caddy;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Traffic;
import dev.releasepilot.rules.WhenStableUnavailable;
import dev.releasepilot.rules.backend.CaddyBackend;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caddy's variant of the stable-availability check against a real Caddy 2.6 with passive health
 * checks: a stable upstream that failed ({@code fails >= max_fails} in /reverse_proxy/upstreams)
 * holds the rollback; once it answers again and its failures expire, the rollback goes through.
 */
class CaddyStableGuardTest {
    static final int REQUESTS = 20;

    @TempDir
    Path dir;

    private Vertx vertx;
    private NamedUpstream canary;
    private Caddy caddy;
    private int stablePort;
    private String stableAddress;
    private Actuator actuator;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        canary = new NamedUpstream(vertx, "canary");
        stablePort = FreePort.get(); // nothing listens here yet: the stable upstream is failing
        stableAddress = "127.0.0.1:" + stablePort;
        caddy = new Caddy(dir, stableAddress, canary.address()).start();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(caddy.admin() + "/id/" + Caddy.HANDLER_ID
                        + "/health_checks")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"passive\":{\"fail_duration\":\"1s\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        CaddyBackend b = BackendYaml.parse("""
                type: caddy
                admin: %s
                handler_id: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                """.formatted(caddy.admin(), Caddy.HANDLER_ID, stableAddress, canary.address()));
        actuator = Actuators.create(vertx, b);
    }

    @AfterEach
    void stop() throws Exception {
        caddy.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static ActuationFailure failure(Actuator a, Command c) {
        try {
            a.apply(c).await(20, TimeUnit.SECONDS);
        } catch (Throwable t) {
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            assertTrue(t instanceof ActuationFailure, "an ActuationFailure, got " + t);
            return (ActuationFailure) t;
        }
        return fail("expected " + c + " to fail");
    }

    @Test
    void aFailingStableUpstreamHoldsTheRollbackUntilItServesAgain() throws Exception {
        // Requests that reach the dead stable upstream fail and mark it unhealthy; then the canary serves.
        Poll.until("stable marked failing", Duration.ofSeconds(10), () -> {
            Traffic.count(caddy.frontendPort, 4);
            return caddy.get("/reverse_proxy/upstreams").body().contains("\"address\":\"" + stableAddress + "\",\"num_requests\":0,\"fails\":1");
        });
        ActuationFailure f = failure(actuator, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.STABLE_UNAVAILABLE, f.reason(), f.getMessage());
        assertEquals("unhealthy", f.observed().health().get(stableAddress).state());
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(caddy.frontendPort, REQUESTS), "the canary keeps serving");

        HttpServer back = vertx.createHttpServer().requestHandler(req -> req.response().end("stable"))
                .listen(stablePort, "127.0.0.1").await(10, TimeUnit.SECONDS);
        try {
            Weights w = Poll.until("rollback goes through once the failure expired", Duration.ofSeconds(10),
                    () -> actuator.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS));
            assertEquals(0, w.current().get(canary.address()));
            assertEquals(Map.of("stable", REQUESTS), Traffic.count(caddy.frontendPort, REQUESTS));
        } finally {
            back.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void drainPolicyDrainsAnyway() throws Exception {
        Poll.until("stable marked failing", Duration.ofSeconds(10), () -> {
            Traffic.count(caddy.frontendPort, 4);
            return caddy.get("/reverse_proxy/upstreams").body().contains("\"fails\":1");
        });
        Weights w = actuator.apply(new Command.Rollback("checkout", "test", WhenStableUnavailable.DRAIN))
                .await(20, TimeUnit.SECONDS);
        assertEquals(0, w.current().get(canary.address()));
        assertTrue(!w.anyServes(java.util.List.of(stableAddress)), "the result shows the risk: " + w);
    }
}
