package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications and the incident step against a real HTTP receiver: Slack-compatible chat, a generic
 * JSON webhook that fails twice before it takes the message, an incident hook, and a receiver that
 * never answers — which must not hold the rollback back.
 */
class NotificationsTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");

    @TempDir
    Path tmp;

    private Vertx vertx;
    private HttpServer receiver;
    private final List<JsonObject> slack = new CopyOnWriteArrayList<>();
    private final List<JsonObject> webhook = new CopyOnWriteArrayList<>();
    private final List<JsonObject> incident = new CopyOnWriteArrayList<>();
    private final List<HttpServerRequest> hanging = new CopyOnWriteArrayList<>();
    private final AtomicInteger webhookFailuresLeft = new AtomicInteger(2);

    @BeforeEach
    void startReceiver() throws Exception {
        vertx = Vertx.vertx();
        receiver = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals("/hang")) {
                hanging.add(req); // never answered
                return;
            }
            req.body().onSuccess(b -> {
                JsonObject json = b.toJsonObject();
                switch (req.path()) {
                    case "/slack" -> slack.add(json);
                    case "/incident" -> incident.add(json);
                    case "/hook" -> {
                        if (webhookFailuresLeft.getAndDecrement() > 0) {
                            req.response().setStatusCode(503).end();
                            return;
                        }
                        webhook.add(json);
                    }
                    default -> {
                        req.response().setStatusCode(404).end();
                        return;
                    }
                }
                req.response().setStatusCode(200).end("ok");
            });
        }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopReceiver() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aRollbackIsToldToChatWebhookAndIncidentHookWithoutWaitingForThem() {
        String base = "http://127.0.0.1:" + receiver.actualPort();
        String notify = """
                    notify:
                      - {type: webhook, url: "%s/hang"}
                      - {type: slack, url: "%s/slack"}
                      - {type: webhook, url: "%s/hook", events: [decision, action]}
                      - {type: incident, url: "%s/incident", title: "checkout rolled back by ${trigger}"}
                """.formatted(base, base, base, base);
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), notify),
                     tmp.resolve("data"), null)) {
            d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null);

            // The receiver that never answers already holds the decision, and the rollback went through.
            Poll.until("canary drained", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
            Poll.until("the hanging receiver was called", Duration.ofSeconds(10), () -> !hanging.isEmpty());
            assertEquals("ROLLED_BACK", d.service("checkout").getString("state"));

            Poll.until("chat told of the decision and the verified action", Duration.ofSeconds(10), () -> slack.size() >= 2);
            String decision = slack.get(0).getString("text");
            assertTrue(decision.contains("checkout") && decision.contains("rollback") && decision.contains("paged"), decision);
            assertTrue(slack.get(1).getString("text").contains("canary1=0"), slack.get(1).encode());

            Poll.until("incident opened", Duration.ofSeconds(10), () -> !incident.isEmpty());
            JsonObject opened = incident.get(0);
            assertEquals("checkout rolled back by paged", opened.getString("title"));
            assertEquals("critical", opened.getString("severity"));
            assertNotNull(opened.getString("dedup_key"));
            assertEquals("paged", opened.getJsonObject("decision").getString("trigger"));
            assertEquals("CheckoutErrors", opened.getJsonObject("decision").getJsonObject("evidence")
                    .getJsonArray("alerts").getJsonObject(0).getJsonObject("labels").getString("alertname"));
            assertEquals("ok", opened.getJsonObject("action").getString("result"));

            // The generic webhook answered 503 twice: retried with backoff (1 s, 2 s), then delivered.
            Poll.until("webhook delivered after retries", Duration.ofSeconds(20), () -> webhook.size() >= 2);
            assertEquals("decision", webhook.get(0).getString("type"));
            assertEquals("rollback", webhook.get(0).getJsonObject("record").getString("kind"));
            String metrics = d.metrics();
            assertTrue(metrics.contains("release_pilot_notification_retries_total{kind=\"webhook\"} 2.0"), metrics);
            assertTrue(metrics.contains("release_pilot_notifications_total{kind=\"incident\",result=\"delivered\"} 1.0"), metrics);
            assertEquals(1, incident.size(), "one incident per verified rollback");
        }
    }

    @Test
    void aBadNotifyEntryIsACheckErrorWithItsPosition() throws Exception {
        Path rules = RuleLoaderFixture.write(tmp, """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "127.0.0.1:1", backend: be, stable: [s], canary: [c]}
                    triggers:
                      - {name: paged, alert: '{alertname="X"}'}
                    notify:
                      - {type: pager, url: "http://127.0.0.1:1/"}
                      - {type: slack, url: "ftp://example/"}
                      - {type: slack, url: "http://127.0.0.1:1/", text: "rolled ${servce} back"}
                """);
        var r = dev.releasepilot.rules.RuleLoader.load(rules);
        assertEquals(3, r.errors().size(), r.errors().toString());
        assertTrue(r.errors().get(0).toString().contains(":7:"), r.errors().toString());
        assertTrue(r.errors().get(0).toString().contains("slack, webhook or incident"), r.errors().toString());
        assertTrue(r.errors().get(1).toString().contains("http:// or https://"), r.errors().toString());
        assertTrue(r.errors().get(2).toString().contains("unknown placeholder '${servce}'"), r.errors().toString());
    }

    /** Writes a rule file. */
    static final class RuleLoaderFixture {
        static Path write(Path dir, String yaml) throws java.io.IOException {
            Path p = dir.resolve("notify-rules.yaml");
            java.nio.file.Files.writeString(p, yaml);
            return p;
        }
    }
}
