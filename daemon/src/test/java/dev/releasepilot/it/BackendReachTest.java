package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.Caddy;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.ToyLoadBalancer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon against backends it cannot judge or cannot reach: periodic reads that cannot judge never
 * hold a rollback back, and /-/ready stays 503 while a backend cannot be reached.
 */
class BackendReachTest {
    @TempDir
    Path tmp;
    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
    }

    @AfterEach
    void stop() throws Exception {
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Path rules(String backend) {
        String yaml = """
                services:
                  - name: checkout
                    backend:
                %s
                    triggers:
                      - name: paged
                        alert: '{alertname=~"Checkout.*", severity="critical"}'
                    on_trigger: rollback
                    cooldown: 10m
                """.formatted(backend.strip().indent(6).stripTrailing());
        try {
            Path p = tmp.resolve("rules.yaml");
            Files.writeString(p, yaml);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RunningDaemon daemon(Path rules, long reconcileMs) {
        return RunningDaemon.start(DaemonConfig.defaults(rules, tmp.resolve("data"), "127.0.0.1", 0)
                .withActuationRetryDelayMs(200).withReconcileIntervalMs(reconcileMs));
    }

    private ToyLoadBalancer lb() {
        Map<String, Integer> servers = new LinkedHashMap<>();
        servers.put("stable", stable.port);
        servers.put("canary", canary.port);
        return new ToyLoadBalancer(vertx, "checkout", servers);
    }

    private static String httpBackend(ToyLoadBalancer lb, boolean withRead) {
        return """
                type: http
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 2}]
                request:
                  method: PUT
                  url: %1$s/api/pools/${service}
                  body: '{"weights": ${weights}}'
                """.formatted(lb.apiUrl()) + (withRead ? """
                read:
                  url: %1$s/api/pools/${service}
                  expect: '$.servers[1].weight == ${canary_weight}'
                """.formatted(lb.apiUrl()) : "");
    }

    /** Fires the alert, waits for the PUT, and checks that it was the rollback's first attempt, never refused. */
    private static void alertAndExpectThePutAtOnce(RunningDaemon d, ToyLoadBalancer lb) {
        HttpResponse<String> r = d.post("/api/v1/alerts/alertmanager", "application/json",
                Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z"), null);
        assertEquals(200, r.statusCode(), r.body());
        Poll.until("the rollback's PUT", Duration.ofSeconds(10), () -> lb.writes() >= 1);
        assertEquals(0, lb.weights().get("canary"), "the PUT drained the canary");
        Poll.until("the rollback journaled", Duration.ofSeconds(10), () -> d.count("checkout", "action", null) >= 1);
        JsonArray records = d.records("checkout");
        assertTrue(!records.encode().contains("circuit_open"), "no attempt was refused by the circuit: " + records);
        JsonObject action = records.stream().map(o -> (JsonObject) o).filter(o -> o.getString("type").equals("action"))
                .findFirst().orElseThrow();
        assertEquals(1, action.getJsonObject("body").getInteger("attempts"), "the first attempt went through: " + action);
        assertEquals(1, lb.writes(), "one PUT");
    }

    @Test
    void anHttpBackendWithoutReadBackRollsBackAtOnceWhileReconcileRuns() {
        try (ToyLoadBalancer lb = lb(); RunningDaemon d = daemon(rules(httpBackend(lb, false)), 20)) {
            Poll.until("a periodic read that cannot judge", Duration.ofSeconds(10),
                    () -> d.service("checkout").getString("weights_error") != null);
            JsonObject s = d.service("checkout");
            assertTrue(s.getString("weights_error").contains("no 'read:'"), s.encode());
            assertEquals(null, s.getString("backend_unreachable"), "a backend without read-back is not unreachable");
            assertEquals("closed", s.getJsonObject("circuit").getString("state"));
            alertAndExpectThePutAtOnce(d, lb);
        }
    }

    @Test
    void readBacksThatMatchNoKnownStateNeverOpenTheCircuit() {
        try (ToyLoadBalancer lb = lb(); RunningDaemon d = daemon(rules(httpBackend(lb, true)), 20)) {
            // The LB starts at 1:1, which is neither the configured 3:2 nor the rolled-back 3:0. With the
            // circuit threshold at 5, ten such reads would have opened it.
            Poll.until("ten periodic reads", Duration.ofSeconds(20), () -> lb.reads() >= 10);
            JsonObject s = d.service("checkout");
            assertTrue(s.getString("weights_error").contains("matches neither"), s.encode());
            assertEquals("closed", s.getJsonObject("circuit").getString("state"), s.encode());
            alertAndExpectThePutAtOnce(d, lb);
        }
    }

    @Test
    void readyStays503WhileCaddysAdminRefusesUsAndSaysWhy(@TempDir Path caddyDir) {
        try (Caddy caddy = new Caddy(caddyDir, stable.address(), canary.address())) {
            String listen = "127.0.0.1:" + caddy.adminPort;
            caddy.admin(new JsonObject().put("listen", listen).put("enforce_origin", true)
                    .put("origins", new JsonArray().add("http://localhost:" + caddy.adminPort).add(listen))).start();
            String backend = """
                    type: caddy
                    admin: %s
                    handler_id: %s
                    stable: [{server: "%s", weight: 3}]
                    canary: [{server: "%s", weight: 1}]
                    """.formatted(caddy.admin(), Caddy.HANDLER_ID, stable.address(), canary.address());
            try (RunningDaemon d = daemon(rules(backend), 0)) {
                Poll.until("the first read-back refused", Duration.ofSeconds(10),
                        () -> d.service("checkout").getString("backend_unreachable") != null
                                && !d.service("checkout").getString("backend_unreachable").startsWith("not reached yet"));
                String why = d.service("checkout").getString("backend_unreachable");
                assertTrue(why.contains("403") && why.contains("'origin:'"), why);
                HttpResponse<String> ready = d.get("/-/ready");
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().contains("service checkout: backend not reached"), ready.body());
            }
            try (RunningDaemon d = daemon(rules(backend + "origin: http://localhost:" + caddy.adminPort + "\n"), 0)) {
                Poll.until("ready once Caddy answers", Duration.ofSeconds(10), () -> d.get("/-/ready").statusCode() == 200);
                assertEquals(null, d.service("checkout").getString("backend_unreachable"));
            }
        }
    }

    /** A dry-run service never writes to its load balancer, so an unreachable one does not hold readiness back. */
    @Test
    void aDryRunServicesUnreachableBackendDoesNotHoldReadiness(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        java.nio.file.Files.writeString(rules, """
                services:
                  - name: rehearsal
                    backend: {type: haproxy, address: "127.0.0.1:1", backend: be, stable: [s], canary: [c], timeout: 200ms}
                    dry_run: true
                    triggers:
                      - {name: paged, alert: '{alertname="X"}'}
                """);
        try (RunningDaemon d = RunningDaemon.start(rules, dir.resolve("data"), null)) {
            Poll.until("the read-back failed", Duration.ofSeconds(10),
                    () -> d.service("rehearsal").getString("backend_unreachable") != null
                            && !d.service("rehearsal").getString("backend_unreachable").startsWith("not reached yet"));
            assertEquals(200, d.get("/-/ready").statusCode(), "the unreachable backend is reported, not waited for");
        }
    }
}
