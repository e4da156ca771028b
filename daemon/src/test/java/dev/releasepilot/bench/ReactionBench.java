package dev.releasepilot.bench;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Postgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Reaction time of the walking skeleton: N alerts, each a fresh episode, posted to the daemon's
 * Alertmanager webhook in front of a real HAProxy. For each trial it reports
 * (a) "webhook received → HAProxy weights read back" from the journal (the alert's receivedAt and the
 * action record's time, both stamped by the daemon), and (b) the client's view, POST sent → the
 * rollback visible on HAProxy. Side by side, the floor: one runtime-API round trip doing the same
 * set+get from this JVM. Between trials the service is resumed and the canary weight restored.
 *
 * <p>Run: {@code k6/bench.sh ReactionBench [trials] [traced|pg]}. With {@code traced} the daemon exports one
 * OpenTelemetry trace per decision to an OTLP/HTTP sink in this JVM (which accepts and drops them), to
 * compare the reaction with tracing on and off. With {@code pg} the trials run twice in one run: once on
 * the file journal, once with {@code --journal-url} on a PostgreSQL cluster of the bench's own.
 */
public final class ReactionBench {
    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        boolean traced = args.length > 1 && args[1].equals("traced");
        boolean pg = args.length > 1 && args[1].equals("pg");
        int warmup = 20;
        Path dir = Files.createTempDirectory("rp-bench");
        io.vertx.core.Vertx sinkVertx = io.vertx.core.Vertx.vertx();
        io.vertx.core.http.HttpServer sink = sinkVertx.createHttpServer()
                .requestHandler(req -> req.body().onComplete(b -> req.response().setStatusCode(200).end()))
                .listen(0, "127.0.0.1").await(10, java.util.concurrent.TimeUnit.SECONDS);
        try (Haproxy haproxy = new Haproxy(dir.resolve("haproxy"), FreePort.get(), FreePort.get()).start();
             Postgres postgres = pg ? new Postgres().start() : null) {
            Path rules = dir.resolve("rules.yaml");
            Files.writeString(rules, """
                    services:
                      - name: checkout
                        backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1]}
                        triggers:
                          - name: paged
                            alert: '{alertname="CheckoutErrors"}'
                        on_trigger: rollback
                        cooldown: 0s
                    """.formatted(haproxy.address()));
            List<String> journals = pg ? List.of("file", "PostgreSQL") : List.of("file");
            for (String journal : journals) {
            DaemonConfig cfg = DaemonConfig.defaults(rules, dir.resolve("data-" + journal), "127.0.0.1", 0).withTokens(null, "bench")
                    .withOtlpEndpoint(traced ? "http://127.0.0.1:" + sink.actualPort() : null)
                    .withJournal(journal.equals("file") ? null : postgres.createDatabase("reaction"), null, "bench");
            try (Daemon daemon = Daemon.start(cfg)) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String base = "http://127.0.0.1:" + daemon.port();
                List<Double> server = new ArrayList<>();
                List<Double> client = new ArrayList<>();
                for (int i = 0; i < warmup + trials; i++) {
                    haproxy.command("set weight be_checkout/canary1 10");
                    String startsAt = Instant.now().toString();
                    String body = """
                            {"receiver":"rp","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"CheckoutErrors","trial":"%d"},
                            "annotations":{},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"%016x"}],
                            "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}:{}","truncatedAlerts":0}
                            """.formatted(i, startsAt, i + 1);
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts/alertmanager"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("webhook answered " + r.statusCode() + " " + r.body());
                    }
                    while (weight(haproxy) != 0) {
                        Thread.onSpinWait();
                    }
                    long t1 = System.nanoTime();
                    JsonObject action = waitForAction(http, base, i + 1);
                    if (i >= warmup) {
                        client.add((t1 - t0) / 1e6);
                        server.add(action.getDouble("reaction_ms"));
                    }
                    HttpResponse<String> resumed = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/services/checkout/resume"))
                            .header("Authorization", "Bearer bench").header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                    if (resumed.statusCode() != 200) {
                        throw new IllegalStateException("resume answered " + resumed.statusCode() + " " + resumed.body());
                    }
                }
                List<Double> floor = new ArrayList<>();
                for (int i = 0; i < warmup + trials; i++) {
                    haproxy.command("set weight be_checkout/canary1 10");
                    long t0 = System.nanoTime();
                    String reply = rawRoundTrip(haproxy.apiPort, "set weight be_checkout/canary1 0%;set weight be_checkout/stable1 100%;"
                            + "get weight be_checkout/stable1;get weight be_checkout/canary1");
                    long t1 = System.nanoTime();
                    if (!reply.contains("0 (initial 10)")) {
                        throw new IllegalStateException("unexpected reply " + reply);
                    }
                    if (i >= warmup) {
                        floor.add((t1 - t0) / 1e6);
                    }
                }
                System.out.printf(Locale.ROOT, "%n%d trials after %d warm-up, %s journal, tracing %s, HAProxy %s, %d cores%n",
                        trials, warmup, journal, traced ? "on (OTLP/HTTP to a local sink)" : "off",
                        haproxy.command("show info").lines().filter(l -> l.startsWith("Version:")).findFirst().orElse("?"),
                        Runtime.getRuntime().availableProcessors());
                System.out.printf(Locale.ROOT, "| %-62s | %8s | %8s | %8s |%n", "path", "p50 ms", "p99 ms", "max ms");
                System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%n", "-".repeat(64), "-".repeat(10), "-".repeat(10), "-".repeat(10));
                row("daemon: webhook received -> weights read back (journal stamps)", server);
                row("client: POST sent -> canary weight 0 seen on HAProxy", client);
                row("floor: one runtime-API set+get round trip from this JVM", floor);
            }
            }
        } finally {
            sinkVertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static int weight(Haproxy haproxy) {
        String r = rawRoundTrip(haproxy.apiPort, "get weight be_checkout/canary1").strip();
        return Integer.parseInt(r.substring(0, r.indexOf(' ')));
    }

    /** The action record of the rollback caused by trial {@code n}, with the reaction time added. */
    private static JsonObject waitForAction(HttpClient http, String base, int n) throws Exception {
        String fp = String.format("%016x", n);
        for (int spin = 0; spin < 10_000; spin++) {
            JsonArray recs = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/decisions?service=checkout&limit=10"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body()).getJsonArray("records");
            Instant received = null;
            for (Object o : recs) {
                JsonObject rec = (JsonObject) o;
                JsonObject b = rec.getJsonObject("body");
                if (rec.getString("type").equals("decision") && b.getJsonObject("evidence").containsKey("alerts")) {
                    JsonObject alert = b.getJsonObject("evidence").getJsonArray("alerts").getJsonObject(0);
                    if (fp.equals(alert.getString("fingerprint"))) {
                        received = Instant.parse(alert.getString("receivedAt"));
                    }
                } else if (rec.getString("type").equals("action") && received != null) {
                    Instant done = Instant.parse(b.getString("at"));
                    return b.copy().put("reaction_ms", Duration.between(received, done).toNanos() / 1e6);
                }
            }
            Thread.sleep(1); // polling the API between reads; the measurement itself is from the daemon's stamps
        }
        throw new IllegalStateException("no action record for trial " + n);
    }

    private static String rawRoundTrip(int port, String line) {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void row(String name, List<Double> ms) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        System.out.printf(Locale.ROOT, "| %-62s | %8.2f | %8.2f | %8.2f |%n", name, pct(s, 0.50), pct(s, 0.99), s.get(s.size() - 1));
    }

    private static double pct(List<Double> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
