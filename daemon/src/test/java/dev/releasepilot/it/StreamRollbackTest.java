package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Prometheus;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 end to end: the DESIGN.md example's error-rate expr (> 2 % of canary requests are 5xx, with a
 * minimum-traffic guard) decided on streamed samples from the real senders, draining a real HAProxy.
 */
class StreamRollbackTest {
    private static final String RULE = """
            services:
              - name: checkout
                backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1]}
                triggers:
                  - name: error-rate
                    expr: sum(rate(http_requests_total{service="checkout",track="canary",code=~"5.."}[%2$s]))
                          / sum(rate(http_requests_total{service="checkout",track="canary"}[%2$s])) > 0.02
                    for: %3$s
                    requires: sum(increase(http_requests_total{service="checkout",track="canary"}[%2$s])) >= 20
                on_trigger: rollback
            """;

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    private JsonObject service(Daemon d) throws Exception {
        return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port()
                + "/api/v1/services/checkout")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void prometheusRemoteWriteOfACanaryGoingBadRollsItBack() throws Exception {
        Vertx vertx = Vertx.vertx();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        // A test exporter: the canary's request counters, growing by 50 requests per scrape (1 s).
        HttpServer exporter = vertx.createHttpServer().requestHandler(r -> {
            ok.addAndGet(50);
            r.response().putHeader("Content-Type", "text/plain; version=0.0.4").end("""
                    # TYPE http_requests_total counter
                    http_requests_total{service="checkout",track="canary",code="200"} %d
                    http_requests_total{service="checkout",track="canary",code="500"} %d
                    """.formatted(ok.get(), errors.get()));
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, RULE.formatted(haproxy.address(), "5s", "2s"));
            try (Daemon d = Daemon.start(DaemonConfig.defaults(rules, tmp.resolve("data"), "127.0.0.1", 0));
                 Prometheus prometheus = Prometheus.withConfig(tmp.resolve("prometheus"), """
                         global: {scrape_interval: 1s, scrape_timeout: 1s}
                         scrape_configs:
                           - job_name: checkout
                             static_configs: [{targets: ['127.0.0.1:%d']}]
                         remote_write:
                           - url: 'http://127.0.0.1:%d/api/v1/write'
                             queue_config: {batch_send_deadline: 1s}
                         """.formatted(exporter.actualPort(), d.port()), List.of())) {
                Poll.until("healthy with traffic", Duration.ofSeconds(30), () -> service(d)
                        .getJsonObject("expr_triggers").getJsonObject("error-rate").getString("state").equals("OK"));
                assertEquals(10, haproxy.weight("canary1"));

                // The canary starts failing: 10 of every 60 requests are 5xx (17 %).
                vertx.setPeriodic(1000, t -> errors.addAndGet(10));
                Poll.until("canary drained", Duration.ofSeconds(30), () -> haproxy.weight("canary1") == 0);
                // HAProxy holds the new weights a moment before the daemon has read them back.
                JsonObject s = Poll.until("ROLLED_BACK", Duration.ofSeconds(5),
                        () -> "ROLLED_BACK".equals(service(d).getString("state")) ? service(d) : null);
                JsonObject decision = s.getJsonObject("last_decision");
                assertEquals("error-rate", decision.getString("trigger"));
                double ratio = decision.getJsonObject("evidence").getJsonArray("firing").getJsonObject(0).getDouble("value");
                assertTrue(ratio > 0.02 && ratio < 0.5, "ratio " + ratio);
                assertTrue(decision.getString("reason").contains("held for 2s"), decision.getString("reason"));
            }
        } finally {
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void natsSamplesDecideAndEveryDecisionIsPublishedBack() throws Exception {
        try (NatsServer nats = new NatsServer(tmp.resolve("nats")).start();
             Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             Connection client = Nats.connect(nats.url())) {
            Subscription events = client.subscribe("release-pilot.events.checkout");
            client.flush(Duration.ofSeconds(2));
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, RULE.formatted(haproxy.address(), "10s", "0s"));
            DaemonConfig cfg = DaemonConfig.defaults(rules, tmp.resolve("data"), "127.0.0.1", 0)
                    .withNats(nats.url(), List.of("metrics.checkout"));
            try (Daemon d = Daemon.start(cfg)) {
                // The daemon subscribes once its connection is up, after start returns; plain NATS
                // drops what is published before that, so wait for its subscription to reach the server.
                Poll.until("the daemon's subscription", Duration.ofSeconds(10), () -> nats.subscribed("metrics.checkout"));
                // A replayed recording, faster than real time: event time comes from the samples.
                long t0 = System.currentTimeMillis() - 60_000;
                long okCount = 0;
                long errCount = 0;
                for (int i = 0; i < 40; i++) {
                    okCount += 20;
                    errCount += i >= 20 ? 5 : 0; // from the 20th second on, 20 % of requests fail
                    long ts = t0 + i * 1000L;
                    String batch = "[" + sample("200", okCount, ts) + "," + sample("500", errCount, ts) + "]";
                    client.publish("metrics.checkout", batch.getBytes(StandardCharsets.UTF_8));
                }
                client.flush(Duration.ofSeconds(2));
                Poll.until("canary drained by NATS samples", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                assertEquals("error-rate", service(d).getJsonObject("last_decision").getString("trigger"));

                // The decision and the action were published on release-pilot.events.checkout.
                JsonObject first = next(events);
                assertEquals("decision", first.getString("type"));
                assertEquals("rollback", first.getString("kind"));
                assertEquals("checkout", first.getString("service"));
                assertEquals("action", next(events).getString("type"));
            }
        }
    }

    private static JsonObject next(Subscription s) throws InterruptedException {
        Message m = s.nextMessage(Duration.ofSeconds(10));
        if (m == null) {
            throw new AssertionError("no event published within 10 s");
        }
        return new JsonObject(new String(m.getData(), StandardCharsets.UTF_8));
    }

    private static String sample(String code, long value, long ts) {
        return new JsonObject().put("metric", "http_requests_total")
                .put("labels", new JsonObject().put("service", "checkout").put("track", "canary").put("code", code))
                .put("value", value).put("timestamp_ms", ts).encode();
    }
}
