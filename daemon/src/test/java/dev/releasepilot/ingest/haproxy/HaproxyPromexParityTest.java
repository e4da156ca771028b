package dev.releasepilot.ingest.haproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.LoadDriver;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.StatusServer;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract behind "rules written for the scraped exporter work unchanged": the samples translated
 * from {@code show stat} are, series for series and value for value, what HAProxy's own Prometheus
 * exporter (promex, built into the Debian HAProxy 2.6.12) serves for the same backend at the same moment.
 */
class HaproxyPromexParityTest {
    /** Ages and check timings move between two reads a few ms apart: compared within this many seconds. */
    private static final Set<String> MOVING = Set.of("check_last_change_seconds", "last_session_seconds",
            "downtime_seconds_total", "check_duration_seconds");
    /** Idle-connection gauges change as HAProxy reaps idle server connections: compared for presence. */
    private static final Pattern IDLE = Pattern.compile(".*(idle_connections|used_connections|need_connections)_current");
    /**
     * HAProxy 2.6's promex divides the sliding sum of response times by 1024 even when fewer requests were
     * seen; the CSV divides by the number seen. Below 1024 requests promex therefore shows less than the
     * real average and we show the real one; from 1024 on both are equal.
     */
    private static final Pattern TIME_AVERAGES = Pattern.compile(".*_time_average_seconds");
    private static final Pattern LINE = Pattern.compile("^(haproxy_(?:server|backend)_[a-z_]+)\\{([^}]*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    @TempDir
    Path dir;

    @Test
    void translatedSamplesEqualWhatPromexServes() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (StatusServer stable = StatusServer.start(vertx, 200);
             StatusServer canary = StatusServer.start(vertx, 200);
             Haproxy haproxy = new Haproxy(dir, List.of(
                     "server stable1 127.0.0.1:" + stable.port + " weight 1",
                     "server canary1 127.0.0.1:" + canary.port + " weight 100 check inter 100ms",
                     "server spare1 127.0.0.1:" + canary.port + " weight 5 disabled"), true).start()) {
            // Over 1024 requests to canary1: only from there on do promex and the CSV average times over the
            // same window (see TIME_AVERAGES below).
            canary.delay(20); // non-zero response times, so the ms → s conversion is really compared
            LoadDriver.get(haproxy.frontendPort, 1050);
            canary.answer(503);
            int errors = LoadDriver.get(haproxy.frontendPort, 20).getOrDefault(503, 0);
            assertTrue(errors > 0);
            assertEquals("", haproxy.command("set server be_checkout/stable1 state drain").strip());
            Poll.until("canary1's health check to have run", Duration.ofSeconds(10),
                    () -> haproxy.command("show stat be_checkout 4 -1").contains("L4OK"));

            Map<String, Double> ours = translate(haproxy.command("show stat be_checkout 6 -1"));
            Map<String, Double> promex = scrape(haproxy.promexPort);

            Set<String> promexSeries = new TreeSet<>();
            Set<String> promexNaN = new TreeSet<>();
            promex.forEach((k, v) -> (Double.isNaN(v) ? promexNaN : promexSeries).add(k));
            assertTrue(promexSeries.size() > 150, () -> "promex series for be_checkout: " + promexSeries.size());
            assertEquals(promexSeries, new TreeSet<>(ours.keySet()),
                    "the same series, label for label (promex's NaN ones aside: " + promexNaN + ")");
            for (String series : promexSeries) {
                double want = promex.get(series);
                double got = ours.get(series);
                String metric = series.substring(0, series.indexOf('{'));
                if (TIME_AVERAGES.matcher(metric).matches() && requests(ours, series) < 1024) {
                    assertTrue(got >= want, series + ": ours " + got + " < promex " + want);
                } else if (MOVING.stream().anyMatch(metric::endsWith)) {
                    assertEquals(want, got, 1.0, series);
                } else if (!IDLE.matcher(metric).matches()) {
                    assertEquals(want, got, 1e-9, series);
                }
            }
            // Spot checks that the comparison covered the interesting parts.
            assertEquals(errors, ours.get("haproxy_server_http_responses_total{code=\"5xx\",proxy=\"be_checkout\",server=\"canary1\"}"),
                    1e-9);
            assertEquals(1.0, ours.get("haproxy_server_status{proxy=\"be_checkout\",server=\"stable1\",state=\"DRAIN\"}"));
            assertEquals(1.0, ours.get("haproxy_server_status{proxy=\"be_checkout\",server=\"spare1\",state=\"MAINT\"}"));
            assertEquals(1.0, ours.get("haproxy_server_check_status{proxy=\"be_checkout\",server=\"canary1\",state=\"L4OK\"}"));
            double rt = ours.get("haproxy_server_response_time_average_seconds{proxy=\"be_checkout\",server=\"canary1\"}");
            assertTrue(rt >= 0.015 && rt < 0.5, "canary1 answers after 20 ms: " + rt);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** The requests a server (or the backend) answered, from its http_responses_total series. */
    private static double requests(Map<String, Double> ours, String series) {
        String scope = series.contains("server=\"") ? series.substring(series.indexOf("server=\"")) : "proxy=\"be_checkout\"}";
        return ours.entrySet().stream().filter(e -> e.getKey().contains("_http_responses_total{") && e.getKey().endsWith(scope))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private static Map<String, Double> translate(String answer) {
        StatsTranslator t = new StatsTranslator(1000);
        t.begin(1, n -> true);
        byte[] b = answer.getBytes(StandardCharsets.UTF_8);
        assertEquals(null, t.backend("be_checkout", b, 0, b.length));
        Map<String, Double> out = new TreeMap<>();
        for (Sample s : t.finish()) {
            out.put(s.labels().toString(), s.value());
        }
        return out;
    }

    /** promex's text for be_checkout, keyed like {@link Labels#toString()} (labels sorted by name). */
    private static Map<String, Double> scrape(int port) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics?scope=backend&scope=server")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new TreeMap<>();
        for (String line : body.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            labels.put(Labels.METRIC_NAME, m.group(1));
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            if (!"be_checkout".equals(labels.get("proxy"))) {
                continue;
            }
            out.put(Labels.of(labels).toString(), m.group(3).equals("NaN") ? Double.NaN : Double.parseDouble(m.group(3)));
        }
        return out;
    }
}
