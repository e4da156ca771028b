package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.StatusServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as people and scripts run it: a separate JVM per command (so exit codes and the
 * {@code RELEASE_PILOT_TOKEN} environment variable are the real ones) against a real daemon and HAProxy.
 */
class CliTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");

    @TempDir
    Path tmp;

    /** What one CLI run printed and how it exited. */
    record Run(int exit, String out, String err) {
    }

    @Test
    void statusDecisionsAndControlPrintTablesForPeopleAndJsonForScripts() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), "s3cret")) {
            Run health = cli(Map.of(), "health", "--url", d.url());
            assertEquals(0, health.exit(), health.toString());

            Run steady = cli(Map.of(), "status", "--url", d.url());
            assertEquals(0, steady.exit(), steady.toString());
            assertTrue(steady.out().startsWith("SERVICE"), steady.out());
            assertTrue(row(steady.out(), "checkout").contains("STEADY"), steady.out());
            assertTrue(row(steady.out(), "checkout").contains("canary1=10"), steady.out());

            Run refused = cli(Map.of(), "rollback", "checkout", "--url", d.url());
            assertEquals(1, refused.exit(), "no token: the daemon answers 401 " + refused);
            Run rollback = cli(Map.of("RELEASE_PILOT_TOKEN", "s3cret"), "rollback", "checkout", "--url", d.url(),
                    "--reason", "by hand from the CLI");
            assertEquals(0, rollback.exit(), rollback.toString());
            Poll.until("rolled back", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);

            Run json = cli(Map.of(), "status", "checkout", "--url", d.url(), "-o", "json");
            assertEquals(0, json.exit(), json.toString());
            assertEquals("ROLLED_BACK", new JsonObject(json.out()).getString("state"));

            Run decisions = cli(Map.of(), "decisions", "checkout", "--url", d.url());
            assertEquals(0, decisions.exit(), decisions.toString());
            assertTrue(decisions.out().startsWith("SEQ"), decisions.out());
            assertTrue(decisions.out().contains("reason=by hand from the CLI"), decisions.out());

            Run unknown = cli(Map.of(), "decisions", "checkout", "--url", d.url(), "-o", "yaml");
            assertEquals(2, unknown.exit(), "picocli's usage error " + unknown);
        }
    }

    @Test
    void leaseTimingsThatCannotWorkAreAUsageError() throws Exception {
        Run r = cli(Map.of(), "run", "--journal-url", "postgresql://rp@127.0.0.1:1/rp", "--lease-ttl", "2s",
                "--lease-renew-interval", "2s");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("must be positive and shorter than the lease ttl"), r.err());
        Run tooShort = cli(Map.of(), "run", "--journal-url", "postgresql://rp@127.0.0.1:1/rp", "--lease-ttl", "1s");
        assertEquals(2, tooShort.exit(), tooShort.toString());
        assertTrue(tooShort.err().contains("too short"), tooShort.err());
    }

    @Test
    void releasePromoteAndAbortWalkARolloutFromTheCli() throws Exception {
        String plan = """
                    rollout:
                      steps:
                        - {weight: 50, hold: 10m, gates: [paged]}
                        - {weight: 75, hold: 10m, gates: [paged]}
                        - {weight: 100}
                """;
        Map<String, String> token = Map.of("RELEASE_PILOT_TOKEN", "s3cret");
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), plan), tmp.resolve("data"), "s3cret")) {
            Run release = cli(token, "release", "checkout", "v2", "--url", d.url());
            assertEquals(0, release.exit(), release.toString());
            Poll.until("step 1 at 50 %", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 1 && haproxy.weight("stable1") == 1);
            Run again = cli(token, "release", "checkout", "v3", "--url", d.url());
            assertEquals(1, again.exit(), again.toString());
            assertTrue(again.err().contains("release v2 in progress"), again.err());
            Run superseding = cli(token, "release", "checkout", "v3", "--supersede", "--url", d.url());
            assertEquals(0, superseding.exit(), superseding.toString());
            assertEquals("v3", new JsonObject(superseding.out()).getJsonObject("release").getString("version"));
            Run promote = cli(token, "promote", "checkout", "--url", d.url(), "--reason", "checked by hand");
            assertEquals(0, promote.exit(), promote.toString());
            Poll.until("step 2 at 75 %", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 3 * haproxy.weight("stable1"));
            Run abort = cli(token, "abort", "checkout", "--url", d.url());
            assertEquals(0, abort.exit(), abort.toString());
            Poll.until("aborted: canary drained", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
        }
    }

    @Test
    void healthExitsNonZeroWhenTheDaemonIsDownOrNotReady() throws Exception {
        Run down = cli(Map.of(), "health", "--url", "http://127.0.0.1:" + FreePort.get());
        assertEquals(2, down.exit(), down.toString());
        assertTrue(down.err().contains("cannot reach"), down.err());

        Vertx vertx = Vertx.vertx();
        try (StatusServer notReady = StatusServer.start(vertx, 503)) {
            Run r = cli(Map.of(), "health", "--url", "http://127.0.0.1:" + notReady.port);
            assertEquals(1, r.exit(), r.toString());
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The container image's HEALTHCHECK, run as written in infra/Dockerfile (the jar replaced by this
     * build's classes): healthy while the daemon runs, failing once it is stopped.
     */
    @Test
    void theContainerHealthcheckAsksTheDaemonAndFailsWhenItIsDown() throws Exception {
        List<String> command = dockerHealthcheck();
        assertTrue(command.contains("health"), "the HEALTHCHECK must run the health subcommand: " + command);
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null);
            String url = d.url();
            List<String> args = withUrl(command.subList(command.indexOf("health"), command.size()), url);
            try {
                assertEquals(0, cli(Map.of(), args.toArray(String[]::new)).exit());
            } finally {
                d.close();
            }
            Run afterStop = cli(Map.of(), args.toArray(String[]::new));
            assertTrue(afterStop.exit() != 0, "a stopped daemon must fail the healthcheck: " + afterStop);
        }
    }

    private static List<String> dockerHealthcheck() throws IOException {
        String dockerfile = Files.readString(Path.of("..", "infra", "Dockerfile")).replace("\\\n", " ");
        Matcher m = Pattern.compile("^HEALTHCHECK .*CMD \\[(.*)]\\s*$", Pattern.MULTILINE).matcher(dockerfile);
        assertTrue(m.find(), "infra/Dockerfile has an exec-form HEALTHCHECK");
        List<String> out = new ArrayList<>();
        Matcher q = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
        while (q.find()) {
            out.add(q.group(1));
        }
        return out;
    }

    private static List<String> withUrl(List<String> args, String url) {
        List<String> out = new ArrayList<>(args);
        int i = out.indexOf("--url");
        assertTrue(i >= 0 && i + 1 < out.size(), "the HEALTHCHECK names the daemon's URL: " + args);
        out.set(i + 1, url);
        return out;
    }

    private static String row(String table, String first) {
        for (String line : table.split("\n")) {
            if (line.startsWith(first + " ")) {
                return line;
            }
        }
        throw new AssertionError("no row for " + first + " in\n" + table);
    }

    /** Runs {@code release-pilot ARGS} in its own JVM on this build's classpath. */
    private Run cli(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.releasepilot.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "cli", ".out");
        Path err = Files.createTempFile(tmp, "cli", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("RELEASE_PILOT_TOKEN");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
