package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.HttpGuards;
import dev.releasepilot.peers.Alertmanager;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Prometheus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code --ingest-token-file}, the receivers take only senders that present the token, the way
 * the real senders present it: Alertmanager's {@code http_config} ({@code authorization} or
 * {@code basic_auth}) and Prometheus' remote_write {@code basic_auth}. Anonymous posts get 401 and change
 * nothing. With a read token and {@code --metrics-need-token}, {@code /metrics} wants it too (Prometheus
 * scrapes with {@code authorization}).
 */
class IngestAuthTest {
    private static final String INGEST = "ingest-s3cret";
    private static final String READ = "read-s3cret";
    private static final String WEBHOOK = "/api/v1/alerts/alertmanager";

    @TempDir
    Path tmp;

    private RunningDaemon start(Haproxy haproxy) {
        return RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null,
                c -> c.withTokens(READ, null).withGuards(HttpGuards.DEFAULTS.withIngestToken(INGEST, true)))
                .readingWith(READ);
    }

    @Test
    void alertmanagerWithTheTokenIsHeardAndAnonymousPostsChangeNothing() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = start(haproxy)) {
            String alert = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");
            assertEquals(401, post(d, WEBHOOK, "application/json", alert, null).statusCode());
            assertEquals(401, post(d, WEBHOOK, "application/json", alert, "Bearer wrong").statusCode());
            assertEquals(401, post(d, WEBHOOK, "application/json", alert, basic("am", "wrong")).statusCode());
            assertEquals(10, haproxy.weight("canary1"));
            assertEquals(0, d.count("checkout", "alert", null), "nothing journaled");
            assertTrue(metrics(d).contains(
                    "release_pilot_signals_rejected_total{reason=\"unauthorized\",source=\"alertmanager\"} 3.0"));

            try (Alertmanager basic = new Alertmanager(tmp.resolve("am-basic"), d.url() + WEBHOOK, "1s",
                    "{basic_auth: {username: am, password: " + INGEST + "}}");
                 Alertmanager bearer = new Alertmanager(tmp.resolve("am-bearer"), d.url() + WEBHOOK, "1s",
                         "{authorization: {credentials: " + INGEST + "}}")) {
                basic.amtool("alert", "add", "alertname=CheckoutErrors", "severity=critical", "service=checkout");
                Poll.until("canary drained on HAProxy", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                bearer.amtool("alert", "add", "alertname=CheckoutLatency", "severity=critical", "service=checkout");
                Poll.until("the bearer Alertmanager's alert journaled", Duration.ofSeconds(20),
                        () -> d.count("checkout", "alert", null) == 2);
            }
            assertTrue(metrics(d).contains(
                    "release_pilot_signals_rejected_total{reason=\"unauthorized\",source=\"alertmanager\"} 3.0"),
                    "the real senders were never refused");
        }
    }

    @Test
    void prometheusWithBasicAuthIsHeardAndItsAnonymousTwinIsRefused() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = start(haproxy)) {
            String target = "127.0.0.1:" + d.daemon.port();
            // Scrapes the daemon's own /metrics (which wants the read token) and writes it back twice:
            // once with the ingest token as basic-auth password, once anonymously.
            String cfg = """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: daemon
                        authorization: {credentials: %s}
                        static_configs:
                          - targets: ['%s']
                    remote_write:
                      - name: with-token
                        url: 'http://%s/api/v1/write'
                        basic_auth: {username: prometheus, password: %s}
                        queue_config: {batch_send_deadline: 1s, min_backoff: 30ms, max_backoff: 1s}
                      - name: anonymous
                        url: 'http://%s/api/v1/write'
                        queue_config: {batch_send_deadline: 1s, min_backoff: 30ms, max_backoff: 1s}
                    """.formatted(READ, target, target, INGEST, target);
            try (Prometheus prometheus = Prometheus.withConfig(tmp.resolve("prometheus"), cfg, List.of())) {
                Poll.until("samples received with the token", Duration.ofSeconds(30), () -> {
                    prometheus.assertAlive();
                    return metrics(d).contains("release_pilot_signals_received_total{source=\"remote_write\"}");
                });
                Poll.until("the anonymous queue refused", Duration.ofSeconds(30), () -> metrics(d)
                        .contains("release_pilot_signals_rejected_total{reason=\"unauthorized\",source=\"remote_write\"}"));
                Poll.until("Prometheus saw the anonymous queue fail", Duration.ofSeconds(30),
                        () -> prometheus.selfMetric("prometheus_remote_storage_samples_failed_total") > 0);
            }
            assertEquals(401, send(HttpRequest.newBuilder(URI.create(d.url() + "/metrics")).build()).statusCode(),
                    "metrics want the read token");
        }
    }

    @Test
    void theStatusPageSignsInWithAFormAndAnHttpOnlyCookieAndSendsCspAndNosniff() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = start(haproxy)) {
            HttpClient http = HttpClient.newHttpClient(); // no cookie store: cookies are handled by hand below
            HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(d.url() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, form.statusCode());
            assertTrue(form.body().contains("<form method=\"post\" action=\"/-/sign-in\">"), form.body());
            assertSecurityHeaders(form);

            HttpResponse<String> wrong = signIn(http, d, "nope");
            assertEquals(401, wrong.statusCode());
            assertTrue(wrong.headers().firstValue("Set-Cookie").isEmpty());

            HttpResponse<String> ok = signIn(http, d, READ);
            assertEquals(303, ok.statusCode());
            assertEquals("/", ok.headers().firstValue("Location").orElse(""));
            String setCookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(setCookie.toLowerCase(java.util.Locale.ROOT).contains("; httponly"), setCookie); // attribute names are case-insensitive
            assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
            assertFalse(setCookie.contains(READ), "the cookie holds no token: " + setCookie);
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));

            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(d.url() + "/")).header("Cookie", cookie)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<h1>Release Pilot</h1>") && page.body().contains("/status/status.js"));
            assertSecurityHeaders(page);
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
            // An endless event stream: answered once its headers are in, then closed.
            HttpResponse<java.io.InputStream> live = http.send(HttpRequest.newBuilder(URI.create(d.url() + "/api/v1/live"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofInputStream());
            live.body().close();
            assertEquals(200, live.statusCode(), "the page's live feed is signed in");
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(d.url() + "/api/v1/services"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                    "the page's own requests are signed in");
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(d.url() + "/api/v1/services")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(d.url() + "/api/v1/services")).header("Cookie",
                    "release_pilot_session=forged").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static HttpResponse<String> signIn(HttpClient http, RunningDaemon d, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(d.url() + "/-/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertSecurityHeaders(HttpResponse<String> r) {
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.startsWith("default-src 'none'"), csp);
        assertTrue(csp.contains("frame-ancestors 'none'"), csp);
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    }

    private static String metrics(RunningDaemon d) {
        return send(HttpRequest.newBuilder(URI.create(d.url() + "/metrics")).header("Authorization", "Bearer " + READ)
                .build()).body();
    }

    private static HttpResponse<String> post(RunningDaemon d, String path, String type, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.url() + path)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b.build());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
    }

    private static HttpResponse<String> send(HttpRequest r) {
        try {
            return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
