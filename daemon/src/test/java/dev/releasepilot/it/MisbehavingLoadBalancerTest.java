package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the whole daemon: an LB API that answers 500 gets its failures journaled, retried with
 * backoff, its circuit opened (visible in the API); once it recovers the pending rollback is applied.
 * Nothing is forgotten and the state is right at every step.
 */
class MisbehavingLoadBalancerTest {
    @TempDir
    Path tmp;

    @Test
    void aFailingLbApiIsRetriedBehindACircuitBreakerUntilTheRollbackLands() throws Exception {
        Vertx vertx = Vertx.vertx();
        AtomicInteger status = new AtomicInteger(500);
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<String> lastBody = new AtomicReference<>();
        HttpServer lb = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> {
            calls.incrementAndGet();
            lastBody.set(b.toString());
            r.response().setStatusCode(status.get()).end("{}");
        })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, """
                services:
                  - name: checkout
                    backend:
                      type: http
                      stable: [{server: blue, weight: 100}]
                      canary: [{server: green, weight: 10}]
                      request:
                        method: PUT
                        url: http://127.0.0.1:%d/pools/${service}
                        body: '{"weights": ${weights}, "reason": "${reason}"}'
                      timeout: 1s
                    triggers:
                      - name: paged
                        alert: '{alertname="CheckoutErrors"}'
                """.formatted(lb.actualPort()));
        try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
            assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json",
                    Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z"), null).statusCode());

            JsonObject open = Poll.until("the circuit opens after repeated failures", Duration.ofSeconds(20), () -> {
                JsonObject s = d.service("checkout");
                return s.getJsonObject("circuit").getString("state").equals("open") ? s : null;
            });
            assertEquals("ROLLING_BACK", open.getString("state"), "the rollback stays pending");
            // The LB's 500s are journaled as server_error; once the circuit is open, later attempts fail
            // fast as circuit_open, so which one is the last failure depends on timing.
            assertTrue(d.records("checkout").stream().map(o -> (JsonObject) o)
                    .filter(r -> r.getString("type").equals("action_failed"))
                    .anyMatch(r -> "server_error".equals(r.getJsonObject("body").getString("reason"))), d.records("checkout").encode());
            assertTrue(d.metrics().contains("release_pilot_circuit_state{backend=\"http\",service=\"checkout\",state=\"open\"} 1.0"),
                    d.metrics());
            assertTrue(lastBody.get().contains("\"green\":0") && lastBody.get().contains("\"reason\": \"paged\""), lastBody.get());

            status.set(200); // the LB API recovers
            Poll.until("rolled back once the circuit lets a call through", Duration.ofSeconds(60),
                    () -> d.service("checkout").getString("state").equals("ROLLED_BACK"));
            JsonObject s = d.service("checkout");
            assertEquals("closed", s.getJsonObject("circuit").getString("state"));
            assertEquals(1, d.count("checkout", "decision", "rollback"), "one decision, however many attempts");
            assertEquals(1, d.count("checkout", "action", null));
        } finally {
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }
}
