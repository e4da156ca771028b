package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.ingest.remotewrite.WriteRequestBuilder;
import dev.releasepilot.peers.Chromium;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live status page in a real headless Chromium (driven by chromedriver): a rollback reaches the
 * already open page within a second, charts are drawn, the console stays clean, a screenshot of the
 * rolled-back service shows it, and 200 services stay usable.
 */
class StatusPageTest {
    private static final String STATE = "return (document.querySelector('[data-service=\"' + arguments[0] + '\"]') || {dataset: {}}).dataset.state || null;";

    @TempDir
    Path tmp;

    @Test
    void aRollbackAppearsOnTheOpenPageWithItsEvidenceAndCharts() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, """
                    services:
                      - name: checkout
                        backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1], timeout: 1s}
                        triggers:
                          - name: paged
                            alert: '{alertname=~"Checkout.*", severity="critical"}'
                          - name: error-ratio
                            expr: max(canary_error_ratio{service="checkout"}) > 0.5
                            for: 1h
                      - name: search
                        backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1], timeout: 1s}
                        triggers:
                          - {name: paged, alert: '{alertname="SearchDown"}'}
                        dry_run: true
                    """.formatted(haproxy.address(), haproxy.address()));
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null);
                 Chromium browser = Chromium.start(tmp.resolve("chromium"), 1400, 900)) {
                // A minute of values for the chart: under the threshold, so the trigger is OK, not firing.
                long now = System.currentTimeMillis();
                WriteRequestBuilder w = new WriteRequestBuilder();
                for (int i = 60; i >= 0; i--) {
                    w.sample(now - i * 1000L, 0.1 + 0.2 * (60 - i) / 60.0, "__name__", "canary_error_ratio", "service", "checkout");
                }
                HttpResponse<String> written = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(d.url() + "/api/v1/write"))
                        .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
                        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(w.snappy())).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(204, written.statusCode(), written.body());

                browser.open(d.url() + "/");
                Poll.until("page shows checkout", Duration.ofSeconds(15), () -> "STEADY".equals(browser.execute(STATE, "checkout")));
                Poll.until("the trigger's chart has its line", Duration.ofSeconds(15), () -> inkedPixels(browser, "checkout") > 100);
                assertTrue(((String) browser.execute("return document.querySelector('[data-service=\"checkout\"]').textContent;"))
                        .contains("fires when > 0.5"), "the threshold is shown beside the value");
                assertEquals("STEADY", browser.execute(STATE, "search"), "an alert-only service has its card too");

                d.post("/api/v1/alerts/alertmanager", "application/json",
                        Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z"), null);
                Poll.until("rolled back", Duration.ofSeconds(10), () -> d.service("checkout").getString("state").equals("ROLLED_BACK"));
                long rolledBack = System.nanoTime();
                Poll.until("the open page shows it", Duration.ofSeconds(5), () -> "ROLLED_BACK".equals(browser.execute(STATE, "checkout")));
                long shownMs = (System.nanoTime() - rolledBack) / 1_000_000;
                assertTrue(shownMs <= 1_000, "the rollback reached the open page " + shownMs + " ms after the API had it");

                // The decision is in the timeline, and its evidence (the alert) opens.
                Object evidence = browser.execute("""
                        const li = [...document.querySelectorAll('#timeline li.t-decision')].find(l => l.dataset.service === 'checkout');
                        if (!li) return null;
                        li.querySelector('details').open = true;
                        return li.querySelector('pre').textContent;""");
                assertTrue(evidence instanceof String s && s.contains("CheckoutErrors"), String.valueOf(evidence));

                JsonArray log = browser.consoleLog();
                List<Object> severe = new ArrayList<>();
                log.forEach(e -> {
                    if ("SEVERE".equals(((JsonObject) e).getString("level"))) {
                        severe.add(e);
                    }
                });
                assertTrue(severe.isEmpty(), "console errors: " + severe);

                byte[] png = browser.screenshot("[data-service=\"checkout\"]");
                Files.write(Path.of("target", "status-page-rolled-back.png"), png); // for a human to look at
                Files.write(Path.of("target", "status-page.png"), browser.screenshot());
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
                assertTrue(img.getWidth() > 200 && img.getHeight() > 60, img.getWidth() + "x" + img.getHeight());
                assertTrue(pixelsNear(img, 0xc62828) > 100, "the rolled-back service is marked red in the screenshot");
            }
        }
    }

    @Test
    void aReleaseWalkingItsPlanShowsItsStepHoldAndGates() throws Exception {
        String plan = """
                    rollout:
                      steps:
                        - {weight: 50, hold: 10m, gates: [paged]}
                        - {weight: 100}
                """;
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), plan), tmp.resolve("data"), "admin");
             Chromium browser = Chromium.start(tmp.resolve("chromium"), 1400, 900)) {
            browser.open(d.url() + "/");
            Poll.until("page shows checkout", Duration.ofSeconds(15), () -> "STEADY".equals(browser.execute(STATE, "checkout")));
            assertEquals(200, d.post("/api/v1/services/checkout/releases", "application/json", "{\"version\": \"v2\"}", "admin")
                    .statusCode());
            Poll.until("the card shows the step, its hold and its gate", Duration.ofSeconds(15), () -> {
                String text = (String) browser.execute("return document.querySelector('[data-service=\"checkout\"]').textContent;");
                return text.contains("release v2 step 1/2 at 50%") && text.contains("left (gates pass)") && text.contains("gates paged OK");
            });
        }
    }

    @Test
    void twoHundredServicesStayUsable() throws Exception {
        StringBuilder yaml = new StringBuilder("services:\n");
        for (int i = 0; i < 200; i++) {
            yaml.append("""
                      - name: svc-%03d
                        backend: {type: haproxy, address: "127.0.0.1:1", backend: be, stable: [s], canary: [c], timeout: 200ms}
                        triggers:
                          - {name: paged, alert: '{alertname="Down", service="svc-%03d"}'}
                    """.formatted(i, i));
        }
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, yaml);
        try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null);
             Chromium browser = Chromium.start(tmp.resolve("chromium"), 1400, 900)) {
            browser.open(d.url() + "/");
            Poll.until("200 cards", Duration.ofSeconds(20), () -> ((Number) browser.execute(
                    "return document.querySelectorAll('#services article').length;")).intValue() == 200);
            String alert = Payloads.firing("Down", "0123456789abcdef", "2026-11-23T10:00:00Z")
                    .replace("\"service\":\"checkout\"", "\"service\":\"svc-150\"");
            d.post("/api/v1/alerts/alertmanager", "application/json", alert, null);
            // Its load balancer is unreachable: the rollback stays pending, and the page says so.
            Poll.until("svc-150 is rolling back on the page", Duration.ofSeconds(10),
                    () -> "ROLLING_BACK".equals(browser.execute(STATE, "svc-150")));
            browser.execute("const f = document.getElementById('filter'); f.value = 'svc-15'; f.dispatchEvent(new Event('input'));");
            assertEquals(10, ((Number) browser.execute(
                    "return [...document.querySelectorAll('#services article')].filter(a => !a.hidden).length;")).intValue(),
                    "the filter leaves svc-150..159");
            JsonArray log = browser.consoleLog();
            assertTrue(log.stream().noneMatch(e -> "SEVERE".equals(((JsonObject) e).getString("level"))), log.encode());
        }
    }

    @Test
    void withAReadTokenTheBrowserSignsInOnceAndTheTokenNeverEntersAUrl() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"),
                     null, c -> c.withTokens("read-secret", null));
             Chromium browser = Chromium.start(tmp.resolve("chromium"), 1200, 800)) {
            browser.open(d.url() + "/");
            assertEquals(Boolean.TRUE, browser.execute("return !!document.querySelector('form input[name=token]');"),
                    "a sign-in form, not the page");
            browser.execute("""
                    document.querySelector('form input[name=token]').value = 'read-secret';
                    document.querySelector('form').submit();""");
            Poll.until("the live page after signing in", Duration.ofSeconds(15),
                    () -> "STEADY".equals(browser.execute(STATE, "checkout")));
            String url = (String) browser.execute("return location.href;");
            assertTrue(!url.contains("read-secret"), url);
            d.post("/api/v1/alerts/alertmanager", "application/json",
                    Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z"), null);
            Poll.until("the stream, authorised by the cookie, brings the rollback", Duration.ofSeconds(10),
                    () -> "ROLLED_BACK".equals(browser.execute(STATE, "checkout")));
        }
    }

    /** Pixels a canvas of the service's card has drawn on. */
    private static int inkedPixels(Chromium browser, String service) {
        return ((Number) browser.execute("""
                const c = document.querySelector('[data-service="' + arguments[0] + '"] canvas');
                if (!c) return 0;
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                return n;""", service)).intValue();
    }

    private static int pixelsNear(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) < 24 && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) < 24
                        && Math.abs((p & 0xff) - (rgb & 0xff)) < 24) {
                    n++;
                }
            }
        }
        return n;
    }
}
