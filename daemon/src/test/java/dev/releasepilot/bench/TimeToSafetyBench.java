package dev.releasepilot.bench;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.Alertmanager;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Prometheus;
import dev.releasepilot.peers.StatusServer;
import dev.releasepilot.peers.SteadyLoad;
import io.vertx.core.Vertx;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Time to safety, side by side in one run: the same fault (the canary starts answering 500 under a
 * steady 200 req/s through a real HAProxy), the same threshold (canary 5xx ratio > 2 %, at least 20
 * canary responses in the window, {@code for: 0s}), measured from the fault to HAProxy reporting the
 * canary's weight as 0 (read over the runtime API every 2 ms). Paths:
 * <ul>
 *   <li>stats: the daemon polls HAProxy's {@code show stat} (100 ms and 250 ms), window [2s];</li>
 *   <li>probe: the daemon probes the canary's URL every 1 s, 3 consecutive failures;</li>
 *   <li>stream: Prometheus scrapes HAProxy's promex every 1 s and remote-writes to the daemon
 *       (batch_send_deadline 1s), window [3s];</li>
 *   <li>classic: Prometheus (1 s scrape and evaluation, rule {@code for: 0s}, window [3s]) → Alertmanager
 *       ({@code group_wait: 0s}, group_interval 1s) → the daemon's webhook: that path's floor;</li>
 *   <li>classic-default: the same with a common production setup: 15 s scrape and evaluation, window
 *       [1m], Alertmanager's default {@code group_wait: 30s} (not in the default run: slow).</li>
 * </ul>
 * Run: {@code k6/bench.sh TimeToSafetyBench [trials] [paths...]}
 */
public final class TimeToSafetyBench {
    private static final String RATIO = "sum(rate(haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"canary1\",code=\"5xx\"}[%1$s]))"
            + " / sum(rate(haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"canary1\"}[%1$s])) > 0.02";
    private static final String TRAFFIC = "sum(increase(haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"canary1\"}[%1$s])) >= 20";
    private static final int CANARY_WEIGHT = 20;

    private final Path dir;
    private final Haproxy haproxy;
    private final StatusServer canary;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TimeToSafetyBench(Path dir, Haproxy haproxy, StatusServer canary) {
        this.dir = dir;
        this.haproxy = haproxy;
        this.canary = canary;
    }

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<String> paths = args.length > 1 ? List.of(args).subList(1, args.length)
                : List.of("stats-100ms", "stats-250ms", "probe", "stream", "classic");
        Path dir = Files.createTempDirectory("rp-tts");
        Vertx vertx = Vertx.vertx();
        StatusServer stable = StatusServer.start(vertx, 200);
        StatusServer canary = StatusServer.start(vertx, 200);
        try (Haproxy haproxy = new Haproxy(dir.resolve("haproxy"), List.of(
                "server stable1 127.0.0.1:" + stable.port + " weight 80",
                "server canary1 127.0.0.1:" + canary.port + " weight " + CANARY_WEIGHT), true).start();
             SteadyLoad load = SteadyLoad.start(haproxy.frontendPort, 200, Duration.ofMinutes(60))) {
            TimeToSafetyBench b = new TimeToSafetyBench(dir, haproxy, canary);
            List<String[]> rows = new ArrayList<>();
            for (String path : paths) {
                List<Double> ms = b.run(path, trials);
                Collections.sort(ms);
                rows.add(new String[] {path, describe(path), fmt(median(ms)), fmt(ms.get(0)), fmt(ms.get(ms.size() - 1)),
                        Integer.toString(ms.size())});
                System.out.printf(Locale.ROOT, "%s: %s%n", path, ms);
            }
            System.out.printf(Locale.ROOT, "%nfault -> HAProxy canary weight 0; %d trials per path; load %d req/s (%d answers)%n",
                    trials, 200, load.total());
            System.out.printf(Locale.ROOT, "| %-11s | %-78s | %9s | %9s | %9s | %3s |%n", "path", "settings", "median ms", "min ms", "max ms", "n");
            System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(13), "-".repeat(80), "-".repeat(11), "-".repeat(11), "-".repeat(11), "-".repeat(5));
            for (String[] r : rows) {
                System.out.printf(Locale.ROOT, "| %-11s | %-78s | %9s | %9s | %9s | %3s |%n", (Object[]) r);
            }
        } finally {
            stable.close();
            canary.close();
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }

    private static String describe(String path) {
        return switch (path) {
            case "stats-100ms" -> "daemon polls show stat every 100 ms; [2s] window, for 0s";
            case "stats-250ms" -> "daemon polls show stat every 250 ms; [2s] window, for 0s";
            case "probe" -> "daemon GETs the canary every 1 s (timeout 500 ms), 3 consecutive failures";
            case "stream" -> "Prometheus 1 s scrape of promex, remote_write (deadline 1s); [3s] window, for 0s";
            case "classic" -> "Prometheus 1 s scrape+eval, for 0s, [3s] -> Alertmanager group_wait 0s -> webhook";
            case "classic-default" -> "Prometheus 15 s scrape+eval, for 0s, [1m] -> Alertmanager group_wait 30s -> webhook";
            default -> path;
        };
    }

    private List<Double> run(String path, int trials) throws Exception {
        Path d = Files.createTempDirectory(dir, path);
        String backend = "{type: haproxy, address: \"" + haproxy.address() + "\", backend: be_checkout, stable: [stable1], canary: [canary1]%s}";
        String trigger;
        Prometheus prometheus = null;
        Alertmanager am = null;
        switch (path) {
            case "stats-100ms", "stats-250ms" -> {
                backend = backend.formatted(", stats_poll: " + path.substring(6));
                trigger = expr("2s");
            }
            case "probe" -> {
                backend = backend.formatted("");
                trigger = """
                              - name: t
                                probe: {url: "http://127.0.0.1:%d/health", interval: 1s, timeout: 500ms}
                                consecutive_failures: 3
                        """.formatted(canary.port);
            }
            case "stream" -> {
                backend = backend.formatted("");
                trigger = expr("3s");
            }
            case "classic", "classic-default" -> {
                backend = backend.formatted("");
                trigger = """
                              - name: t
                                alert: '{alertname="CheckoutCanary5xx"}'
                        """;
            }
            default -> throw new IllegalArgumentException("unknown path " + path);
        }
        Path rules = d.resolve("rules.yaml");
        Files.writeString(rules, """
                services:
                  - name: checkout
                    backend: %s
                    triggers:
                %s    on_trigger: rollback
                    cooldown: 0s
                """.formatted(backend, trigger));
        DaemonConfig cfg = DaemonConfig.defaults(rules, d.resolve("data"), "127.0.0.1", 0).withTokens(null, "bench")
                .withReconcileIntervalMs(0);
        try (Daemon daemon = Daemon.start(cfg)) {
            String base = "http://127.0.0.1:" + daemon.port();
            if (path.equals("stream")) {
                prometheus = Prometheus.withConfig(d.resolve("prometheus"), """
                        global: {scrape_interval: 1s, scrape_timeout: 1s}
                        scrape_configs:
                          - job_name: haproxy
                            static_configs: [{targets: ['127.0.0.1:%d']}]
                        remote_write:
                          - url: '%s/api/v1/write'
                            queue_config: {batch_send_deadline: 1s, min_backoff: 30ms, max_backoff: 1s}
                        """.formatted(haproxy.promexPort, base), List.of());
            } else if (path.startsWith("classic")) {
                // The floor (1 s everywhere, group_wait 0s) or a common production setup: 15 s scrape and
                // evaluation, Alertmanager's default group_wait of 30 s. group_interval is 1 s in both so
                // that trials can follow each other (it only delays resolutions and re-fires).
                boolean floor = path.equals("classic");
                String interval = floor ? "1s" : "15s";
                String window = floor ? "3s" : "1m";
                am = new Alertmanager(d.resolve("am"), base + "/api/v1/alerts/alertmanager", floor ? "0s" : "30s");
                Files.createDirectories(d.resolve("prometheus"));
                Files.writeString(d.resolve("prometheus").resolve("rules.yml"), """
                        groups:
                          - name: canary
                            interval: %3$s
                            rules:
                              - alert: CheckoutCanary5xx
                                expr: (%1$s) and on() (%2$s)
                                for: 0s
                                labels: {severity: critical, service: checkout}
                        """.formatted(RATIO.formatted(window), TRAFFIC.formatted(window), interval));
                prometheus = Prometheus.withConfig(d.resolve("prometheus"), """
                        global: {scrape_interval: %4$s, scrape_timeout: 1s, evaluation_interval: %4$s}
                        rule_files: ['%1$s']
                        alerting:
                          alertmanagers: [{static_configs: [{targets: ['127.0.0.1:%2$d']}]}]
                        scrape_configs:
                          - job_name: haproxy
                            static_configs: [{targets: ['127.0.0.1:%3$d']}]
                        """.formatted(d.resolve("prometheus").resolve("rules.yml"), am.port, haproxy.promexPort, interval), List.of());
            }
            List<Double> out = new ArrayList<>();
            try {
                for (int i = 0; i < trials; i++) {
                    armed(base, path);
                    long t0 = System.nanoTime();
                    canary.answer(500);
                    long deadline = t0 + TimeUnit.MINUTES.toNanos(3);
                    while (weight() != 0) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException(path + ": no rollback within 3 minutes");
                        }
                        Thread.sleep(2); // sampling interval of the measurement
                    }
                    out.add((System.nanoTime() - t0) / 1e6);
                    canary.answer(200);
                    post(base + "/api/v1/services/checkout/resume");
                    haproxy.command("set weight be_checkout/canary1 " + CANARY_WEIGHT);
                }
            } finally {
                if (prometheus != null) {
                    prometheus.close();
                }
                if (am != null) {
                    am.close();
                }
            }
            return out;
        }
    }

    private static String expr(String window) {
        return """
                      - name: t
                        expr: %s
                        requires: %s
                """.formatted(RATIO.formatted(window), TRAFFIC.formatted(window));
    }

    /** Waits until the path's signal says healthy again, so each trial starts from a known-good state. */
    private void armed(String base, String path) throws Exception {
        Predicate<JsonObject> ready = switch (path) {
            case "probe" -> s -> s.getJsonObject("failing_probes").isEmpty() && s.getString("state").equals("STEADY");
            case "classic", "classic-default" -> s -> s.getJsonArray("firing_alerts").isEmpty() && s.getString("state").equals("STEADY");
            default -> s -> s.getString("state").equals("STEADY")
                    && s.getJsonObject("expr_triggers").getJsonObject("t").getString("state").equals("OK");
        };
        Poll.until(path + " healthy before the fault", Duration.ofMinutes(2), () -> ready.test(new JsonObject(
                http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/services/checkout")).build(),
                        HttpResponse.BodyHandlers.ofString()).body())));
        if (weight() != CANARY_WEIGHT) {
            throw new IllegalStateException("canary weight is " + weight() + " before the fault");
        }
    }

    private void post(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer bench")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + " " + r.body());
        }
    }

    private int weight() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", haproxy.apiPort), 1000);
            OutputStream out = s.getOutputStream();
            out.write("get weight be_checkout/canary1\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String r = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
            return Integer.parseInt(r.substring(0, r.indexOf(' ')));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String fmt(double ms) {
        return String.format(Locale.ROOT, "%.0f", ms);
    }
}
