package dev.releasepilot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check}: exit codes and file:line:column messages, as a user sees them. */
class CheckCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void theExampleRulesPass() {
        Path example = Path.of("..", "rules", "example.yaml");
        Run r = run("check", "--config", example.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ok, 1 service(s)"));
    }

    @Test
    void theRolloutExampleOfTheProgressiveDeliveryIssuePasses() {
        Run r = run("check", "--config", Path.of("..", "rules", "rollout-example.yaml").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ok, 1 service(s)"), r.out());
    }

    @Test
    void aCaddyPolicyThatCannotExpressRatiosIsAWarning() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        dev.releasepilot.peers.NamedUpstream stable = new dev.releasepilot.peers.NamedUpstream(vertx, "stable");
        dev.releasepilot.peers.NamedUpstream canary = new dev.releasepilot.peers.NamedUpstream(vertx, "canary");
        try (dev.releasepilot.peers.Caddy caddy = new dev.releasepilot.peers.Caddy(tmp.resolve("caddy"), stable.address(),
                canary.address()).policy(null).start()) {
            Path rules = tmp.resolve("caddy.yaml");
            Files.writeString(rules, """
                    services:
                      - name: checkout
                        backend: {type: caddy, admin: "%s", handler_id: %s, timeout: 10s,
                                  stable: [{server: "%s"}], canary: [{server: "%s"}]}
                        triggers:
                          - name: paged
                            alert: '{alertname="X"}'
                    """.formatted(caddy.admin(), dev.releasepilot.peers.Caddy.HANDLER_ID, stable.address(), canary.address()));
            Run r = run("check", "--config", rules.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("service checkout: Caddy handler rp_checkout uses selection policy random (the default)")
                    && r.err().contains("(warning)"), r.err());
            Run offline = run("check", "--offline", "--config", rules.toString());
            assertEquals(0, offline.code());
            assertFalse(offline.err().contains("selection policy"), offline.err());
        } finally {
            stable.close();
            canary.close();
            vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void errorsExitNonZeroWithFileLineColumn() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s], canary: [c]}
                    triggers:
                      - name: paged
                        alert: '{alertname=~"Checkout.*", severity~"critical"}'
                    cooldwn: 10m
                """);
        Run r = run("check", "--config", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad + ":6:51: alert matcher: expected one of =, !=, =~, !~ after label 'severity'"), r.err());
        assertTrue(r.err().contains(bad + ":7:5: unknown key 'cooldwn'"), r.err());
        assertFalse(r.err().contains("Exception"), "no stack traces: " + r.err());
    }

    @Test
    void aDeeplyNestedExpressionIsAnErrorWithItsPositionNotAStackOverflow() throws Exception {
        Path deep = tmp.resolve("deep.yaml");
        Files.writeString(deep, """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s], canary: [c]}
                    triggers:
                      - name: deep
                        expr: %s
                """.formatted("(".repeat(50_000) + "x" + ")".repeat(50_000) + " > 1"));
        Run r = run("check", "--config", deep.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(deep + ":6:115: expr: the expression nests deeper than 100 levels"), r.err());
        assertFalse(r.err().contains("StackOverflowError") || r.err().contains("\tat "), "no stack traces: " + r.err());
    }

    @Test
    void haproxySeriesThatNothingPollsAreAWarningWithExitZero() throws Exception {
        Path rules = tmp.resolve("hint.yaml");
        Files.writeString(rules, """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s], canary: [c]}
                    triggers:
                      - name: errors
                        expr: sum(rate(haproxy_backend_http_responses_total{code="5xx"}[1m])) > 1
                """);
        Run r = run("check", "--config", rules.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains(rules + ":6:15: trigger 'errors' selects haproxy_backend_http_responses_total"
                + " but no haproxy backend has 'stats_poll:'"), r.err());
        assertTrue(r.err().contains("(warning)"), r.err());
    }

    @Test
    void aMissingFileIsAnErrorNotACrash() {
        Run r = run("check", "--config", tmp.resolve("nope.yaml").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot read"), r.err());
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(2, run().code());
    }
}
