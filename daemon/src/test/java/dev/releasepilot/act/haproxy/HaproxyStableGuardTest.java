package dev.releasepilot.act.haproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Traffic;
import dev.releasepilot.rules.WhenStableUnavailable;
import dev.releasepilot.rules.backend.HaproxyBackend;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollback must leave users with a server that answers, against a real HAProxy whose servers are
 * configured {@code weight 0} and given their real weights at runtime (as deploy tools do), with real
 * requests through the frontend to show where traffic goes and that no request meets a 503.
 * stable2's health check probes a port nothing listens on until a test opens it, so it is DOWN.
 */
class HaproxyStableGuardTest {
    static final int REQUESTS = 40;

    @TempDir
    Path dir;

    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private Haproxy haproxy;
    private int checkPort;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
        checkPort = FreePort.get();
        haproxy = new Haproxy(dir, List.of(
                "server stable1 " + stable.address() + " weight 0",
                "server stable2 " + stable.address() + " weight 0 check port " + checkPort + " inter 100ms fall 1 rise 1",
                "server canary1 " + canary.address() + " weight 0"), false).start();
        // The deploy tool's runtime weights: 90 % stable, 10 % canary; stable2 is out of rotation.
        haproxy.command("set weight be_checkout/stable1 90;set weight be_checkout/canary1 10");
        Poll.until("stable2 DOWN by its health check", Duration.ofSeconds(10),
                () -> haproxy.command("show stat be_checkout 4 -1").contains(",stable2,") && stat("stable2").equals("DOWN"));
    }

    @AfterEach
    void stop() throws Exception {
        haproxy.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Actuator actuator(String stableServers) {
        HaproxyBackend b = BackendYaml.parse("""
                type: haproxy
                address: %s
                backend: be_checkout
                stable: %s
                canary: [canary1]
                """.formatted(haproxy.address(), stableServers));
        return Actuators.create(vertx, b);
    }

    private static Weights apply(Actuator a, Command c) throws Exception {
        return a.apply(c).await(20, TimeUnit.SECONDS);
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

    /** HAProxy's own status word for a server ({@code show stat}'s status column). */
    private String stat(String server) {
        String csv = haproxy.command("show stat be_checkout 4 -1");
        List<String> header = List.of(csv.lines().findFirst().orElseThrow().substring(2).split(","));
        int status = header.indexOf("status");
        return csv.lines().filter(l -> l.startsWith("be_checkout," + server + ","))
                .map(l -> l.split(",", -1)[status]).findFirst().orElseThrow();
    }

    @Test
    void aWeightZeroConfigIsRolledBackToTheStableServersRuntimeWeightNotToZero() throws Exception {
        Actuator a = actuator("[stable1]");
        Map<String, Integer> before = Traffic.count(haproxy.frontendPort, REQUESTS);
        assertTrue(before.getOrDefault("canary", 0) > 0 && before.getOrDefault("stable", 0) > 0, before::toString);

        Weights w = apply(a, new Command.Rollback("checkout"));
        assertEquals(90, w.current().get("stable1"), "the weight stable1 had before, written as an absolute weight");
        assertEquals(0, w.initial().get("stable1"), "configured weight 0: 100% of it would have been 0");
        assertEquals(0, w.current().get("canary1"));
        assertEquals(90, haproxy.weight("stable1"));
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS), "no 503 after the rollback");

        Weights restored = apply(a, new Command.Restore("checkout"));
        assertEquals(10, restored.current().get("canary1"), "restore gives the canary its runtime weight back, not 0");
        assertEquals(90, restored.current().get("stable1"));
    }

    @Test
    void weightsResetToZeroAsByAReloadAreRepairedWithTheWeightsSeenBefore() throws Exception {
        Actuator a = actuator("[stable1]");
        apply(a, new Command.Rollback("checkout"));
        // What a reload does (PROTOCOLS.md §3.5: every server back to its configured weight, 0 here), set
        // through the runtime API: the frontend answers 503. DriftReconcileTest reloads a real HAProxy.
        haproxy.command("set weight be_checkout/stable1 0;set weight be_checkout/canary1 0");
        assertEquals(0, haproxy.weight("stable1"));
        assertEquals(0, Traffic.count(haproxy.frontendPort, REQUESTS).getOrDefault("stable", 0));

        Weights repaired = apply(a, new Command.Rollback("checkout"));
        assertEquals(90, repaired.current().get("stable1"), "remembered from before the reload");
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));
    }

    @Test
    void withNothingRememberedTheRulesWeightsAreWrittenAndWithoutThemOneThatServes() throws Exception {
        // What a restarted daemon meets after an HAProxy reload: stable1 at its configured 0, canary1 at a
        // weight again, and a fresh actuator that has read nothing before.
        haproxy.command("set weight be_checkout/stable1 0;set weight be_checkout/canary1 10");
        HaproxyBackend b = BackendYaml.parse("""
                type: haproxy
                address: %s
                backend: be_checkout
                stable: [stable1]
                canary: [canary1]
                weights: {stable1: 80, canary1: 20}
                """.formatted(haproxy.address()));
        Weights w = apply(Actuators.create(vertx, b), new Command.Rollback("checkout"));
        assertEquals(80, w.current().get("stable1"), "the rule's weight");
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));

        haproxy.command("set weight be_checkout/stable1 0;set weight be_checkout/canary1 10");
        Weights fallback = apply(actuator("[stable1]"), new Command.Rollback("checkout"));
        assertEquals(1, fallback.current().get("stable1"), "configured 0 and nothing known: 1 serves as well as any");
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));
    }

    @Test
    void aStableServerInMaintenanceHoldsTheRollbackAndChangesNothingUntilItIsReady() throws Exception {
        heldWhile("maint", "MAINT");
    }

    @Test
    void aDrainingStableServerHoldsTheRollbackAndChangesNothingUntilItIsReady() throws Exception {
        heldWhile("drain", "DRAIN");
    }

    private void heldWhile(String adminState, String word) throws Exception {
        Actuator a = actuator("[stable1]");
        haproxy.command("set server be_checkout/stable1 state " + adminState);
        assertEquals(word, stat("stable1"));

        ActuationFailure f = failure(a, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.STABLE_UNAVAILABLE, f.reason(), f.getMessage());
        assertFalse(f.retryable());
        assertTrue(f.getMessage().contains("stable1 " + word), f.getMessage());
        assertEquals(word, f.observed().health().get("stable1").state(), "the evidence says why");
        assertFalse(f.observed().health().get("stable1").up());
        assertEquals(10, haproxy.weight("canary1"), "the canary keeps its traffic");
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS),
                "users are served by the canary, not by a 503");

        haproxy.command("set server be_checkout/stable1 state ready");
        Weights w = apply(a, new Command.Rollback("checkout"));
        assertEquals(0, w.current().get("canary1"));
        assertTrue(w.serves("stable1"), w::toString);
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));
    }

    @Test
    void aStableServerFailingItsHealthCheckHoldsTheRollbackUntilTheCheckPasses() throws Exception {
        Actuator a = actuator("[stable2]");
        ActuationFailure f = failure(a, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.STABLE_UNAVAILABLE, f.reason(), f.getMessage());
        assertEquals("DOWN", f.observed().health().get("stable2").state());
        assertEquals(10, haproxy.weight("canary1"));

        NetServer check = vertx.createNetServer().connectHandler(s -> s.close())
                .listen(checkPort, "127.0.0.1").await(10, TimeUnit.SECONDS);
        try {
            Poll.until("stable2 UP once its check passes", Duration.ofSeconds(10), () -> stat("stable2").equals("UP"));
            Weights w = apply(a, new Command.Rollback("checkout"));
            assertEquals(1, w.current().get("stable2"), "never served, configured 0: the default weight 1 serves");
            assertEquals(0, w.current().get("canary1"));
            assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));
        } finally {
            check.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void oneServingStableServerIsEnough() throws Exception {
        Actuator a = actuator("[stable1, stable2]"); // stable2 DOWN, stable1 up
        Weights w = apply(a, new Command.Rollback("checkout"));
        assertTrue(w.serves("stable1") && !w.serves("stable2"), w::toString);
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));
    }

    @Test
    void drainPolicyDrainsTheCanaryAnywayAndTheResultShowsNoStableServerServes() throws Exception {
        Actuator a = actuator("[stable1]");
        haproxy.command("set server be_checkout/stable1 state maint");
        Weights w = apply(a, new Command.Rollback("checkout", "test", WhenStableUnavailable.DRAIN));
        assertEquals(0, w.current().get("canary1"));
        assertFalse(w.anyServes(List.of("stable1")), "the risk the caller journals: " + w);
        Map<String, Integer> answers = Traffic.count(haproxy.frontendPort, REQUESTS);
        assertEquals(0, answers.getOrDefault("canary", 0) + answers.getOrDefault("stable", 0),
                "drain means what it says: nothing serves: " + answers);
    }
}
