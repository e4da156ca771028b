package dev.releasepilot.bench;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.StatusServer;
import dev.releasepilot.peers.SteadyLoad;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Rollout timings on a real HAProxy under a steady 200 req/s, the canary's counters polled every 100 ms:
 * <ul>
 *   <li>gate → next step: a release starts at step 1 (20 %, {@code hold: 0s}, gated on the canary's 5xx
 *       ratio, which needs 10 canary responses in its [1s] window after the release). From the journal:
 *       the gate's passing evaluation (the {@code hold} record, written as the sample that completed it
 *       was evaluated) to step 2's weights read back ({@code step_applied}); and from the evaluated grid
 *       instant (the gate's {@code evaluated_at}) to the same, which adds the wait for the sample that
 *       closes the instant. Baseline in the same run: the bare actuation of a step on this HAProxy
 *       (read, write, read back), timed by the daemon itself ({@code step_applied.millis}).</li>
 *   <li>fault → canary 0: at step 2 (50 %) the canary starts answering 500; from then to HAProxy
 *       reporting the canary's weight as 0 (runtime API read every 2 ms). Baseline in the same run: the
 *       same fault and trigger on the same service without a rollout (the plain rollback path).</li>
 * </ul>
 * Run: {@code k6/bench.sh RolloutBench [trials]}
 */
public final class RolloutBench {
    private static final String ADMIN = "bench";
    private static final String RATIO = "sum(rate(haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"canary1\",code=\"5xx\"}[1s]))"
            + " / sum(rate(haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"canary1\"}[1s])) > 0.02";
    private static final String TRAFFIC = "sum(increase(haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"canary1\"}[1s])) >= 10";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Haproxy haproxy;
    private final StatusServer canary;
    private String base;

    private RolloutBench(Haproxy haproxy, StatusServer canary) {
        this.haproxy = haproxy;
        this.canary = canary;
    }

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path dir = Files.createTempDirectory("rp-rollout");
        Vertx vertx = Vertx.vertx();
        StatusServer stable = StatusServer.start(vertx, 200);
        StatusServer canary = StatusServer.start(vertx, 200);
        try (Haproxy haproxy = new Haproxy(dir.resolve("haproxy"), List.of(
                "server stable1 127.0.0.1:" + stable.port + " weight 100",
                "server canary1 127.0.0.1:" + canary.port + " weight 100"), false).start();
             SteadyLoad load = SteadyLoad.start(haproxy.frontendPort, 200, Duration.ofMinutes(30))) {
            RolloutBench b = new RolloutBench(haproxy, canary);
            List<Double> passToApplied = new ArrayList<>();
            List<Double> instantToApplied = new ArrayList<>();
            List<Double> actuation = new ArrayList<>();
            List<Double> faultRollout = new ArrayList<>();
            List<Double> faultPlain = new ArrayList<>();
            b.rollout(dir.resolve("rollout"), trials, passToApplied, instantToApplied, actuation, faultRollout);
            b.plain(dir.resolve("plain"), trials, faultPlain);
            System.out.printf(Locale.ROOT, "%nRolloutBench: %d trials; load 200 req/s through HAProxy (%d answers); stats_poll 100ms%n",
                    trials, load.total());
            System.out.printf(Locale.ROOT, "| %-58s | %9s | %9s | %9s | %-8s |%n", "measure", "median ms", "min ms", "max ms", "vs base");
            System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%n", "-".repeat(60), "-".repeat(11), "-".repeat(11), "-".repeat(11), "-".repeat(10));
            double base = median(actuation);
            row("step actuation alone (read, write, read back) [baseline]", actuation, "1.0x");
            row("gate passes -> next step's weights read back", passToApplied, ratio(median(passToApplied), base));
            row("gate's evaluated instant -> next step read back", instantToApplied, ratio(median(instantToApplied), base));
            double plain = median(faultPlain);
            row("fault, no rollout -> canary weight 0 [baseline]", faultPlain, "1.0x");
            row("fault at rollout step 2 (50 %) -> canary weight 0", faultRollout, ratio(median(faultRollout), plain));
        } finally {
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }

    private static String ratio(double v, double base) {
        return String.format(Locale.ROOT, "%.1fx", v / base);
    }

    private static void row(String what, List<Double> v, String vs) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        System.out.printf(Locale.ROOT, "| %-58s | %9.1f | %9.1f | %9.1f | %-8s |%n", what, median(v), s.get(0), s.get(s.size() - 1), vs);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private Path rules(Path dir, String rollout) throws Exception {
        Files.createDirectories(dir);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "%s", backend: be_checkout,
                              stable: [stable1], canary: [canary1], timeout: 1s, stats_poll: 100ms}
                    on_trigger: rollback
                    cooldown: 0s
                    triggers:
                      - name: canary-5xx
                        expr: %s
                        requires: %s
                %s""".formatted(haproxy.address(), RATIO, TRAFFIC, rollout));
        return rules;
    }

    private Daemon daemon(Path dir, String rollout) throws Exception {
        Daemon d = Daemon.start(DaemonConfig.defaults(rules(dir, rollout), dir.resolve("data"), "127.0.0.1", 0)
                .withTokens(null, ADMIN).withReconcileIntervalMs(0));
        base = "http://127.0.0.1:" + d.port();
        return d;
    }

    private void rollout(Path dir, int trials, List<Double> passToApplied, List<Double> instantToApplied,
                         List<Double> actuation, List<Double> fault) throws Exception {
        try (Daemon d = daemon(dir, """
                    rollout:
                      steps:
                        - {weight: 20, hold: 0s, gates: [canary-5xx]}
                        - {weight: 50, hold: 10m, gates: [canary-5xx]}
                        - {weight: 100}
                """)) {
            for (int i = 0; i < trials; i++) {
                String version = "v" + i;
                post("releases", new JsonObject().put("version", version).put("supersede", true));
                Poll.until("step 2 of " + version, Duration.ofSeconds(30), () -> {
                    JsonObject r = service().getJsonObject("release");
                    return r != null && version.equals(r.getString("version")) && r.getInteger("step", 0) == 2 && r.getBoolean("applied");
                });
                JsonObject[] found = Poll.until("the journal of " + version, Duration.ofSeconds(10), () -> {
                    JsonObject[] f = mine(version);
                    return f[0] != null && f[1] != null && f[2] != null ? f : null;
                });
                JsonObject hold = found[0];
                JsonObject step2 = found[1];
                JsonObject applied2 = found[2];
                Instant appliedAt = Instant.parse(applied2.getString("at"));
                passToApplied.add(Duration.between(Instant.parse(hold.getString("at")), appliedAt).toNanos() / 1e6);
                String evaluated = step2.getJsonArray("gates").getJsonObject(0).getString("evaluated_at");
                instantToApplied.add(Duration.between(Instant.parse(evaluated), appliedAt).toNanos() / 1e6);
                actuation.add((double) applied2.getLong("millis"));
                fault.add(faultToZero());
            }
        }
    }

    /** This release's passing hold at step 1, its step 2 and step 2's read-back, from the journal (nulls until there). */
    private JsonObject[] mine(String version) throws Exception {
        JsonObject[] f = new JsonObject[3];
        boolean mine = false;
        for (Object o : records()) {
            JsonObject r = (JsonObject) o;
            JsonObject body = r.getJsonObject("body");
            String type = r.getString("type");
            if (type.equals("rollout_step")) {
                mine = version.equals(body.getString("version"));
                if (mine && body.getInteger("step") == 2) {
                    f[1] = body;
                }
            } else if (mine && type.equals("hold") && body.getInteger("step") == 1 && "pass".equals(body.getString("status"))) {
                f[0] = body;
            } else if (mine && type.equals("step_applied") && body.getInteger("step") == 2) {
                f[2] = body;
            }
        }
        return f;
    }

    private void plain(Path dir, int trials, List<Double> fault) throws Exception {
        try (Daemon d = daemon(dir, "")) {
            for (int i = 0; i < trials; i++) {
                post("releases", new JsonObject().put("version", "p" + i));
                haproxy.command("set weight be_checkout/canary1 1");
                haproxy.command("set weight be_checkout/stable1 1");
                Poll.until("the trigger judged healthy after release p" + i, Duration.ofSeconds(30), () -> "OK".equals(service()
                        .getJsonObject("expr_triggers").getJsonObject("canary-5xx").getString("state")));
                fault.add(faultToZero());
            }
        }
    }

    /** The canary answers 500 until HAProxy reports its weight 0; then good again. */
    private double faultToZero() throws Exception {
        long t0 = System.nanoTime();
        canary.answer(500);
        long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
        while (haproxy.weight("canary1") != 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no rollback within 30 s");
            }
            Thread.sleep(2); // the measurement's sampling interval
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        canary.answer(200);
        return ms;
    }

    private JsonObject service() throws Exception {
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/services/checkout")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonArray records() throws Exception {
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/decisions?service=checkout&limit=2000"))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).getJsonArray("records");
    }

    private void post(String action, JsonObject body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/services/checkout/" + action))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(action + " answered " + r.statusCode() + " " + r.body());
        }
    }
}
