package dev.releasepilot.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Alertmanager (Debian package {@code prometheus-alertmanager}), clustering off, whose only
 * receiver is a webhook to the given URL, with 1 s group_wait and group_interval so tests stay quick.
 */
public final class Alertmanager implements AutoCloseable {
    public final int port;
    private final Path dir;
    private final PeerProcess process;
    private final HttpClient http = HttpClient.newHttpClient();

    public Alertmanager(Path dir, String webhookUrl) {
        this(dir, webhookUrl, "1s");
    }

    /** @param groupWait the route's group_wait; "0s" is Alertmanager's floor (group_interval stays 1s) */
    public Alertmanager(Path dir, String webhookUrl, String groupWait) {
        this(dir, webhookUrl, groupWait, null);
    }

    /**
     * @param httpConfig the webhook's {@code http_config} as one YAML flow mapping, e.g.
     *                   {@code {authorization: {credentials: tok}}} or {@code {basic_auth: {username: am, password: tok}}};
     *                   null for none
     */
    public Alertmanager(Path dir, String webhookUrl, String groupWait, String httpConfig) {
        this(dir, List.of(webhookUrl), groupWait, httpConfig);
    }

    /**
     * One receiver with a webhook per URL: Alertmanager sends every notification to each of them, as a
     * team running several Release Pilot instances configures it.
     */
    public Alertmanager(Path dir, List<String> webhookUrls, String groupWait, String httpConfig) {
        this.dir = dir;
        this.port = FreePort.get();
        StringBuilder hooks = new StringBuilder();
        for (String url : webhookUrls) {
            hooks.append("      - url: '").append(url).append("'\n        send_resolved: true\n");
            if (httpConfig != null) {
                hooks.append("        http_config: ").append(httpConfig).append("\n");
            }
        }
        String cfg = """
                route:
                  receiver: release-pilot
                  group_by: ['alertname', 'service']
                  group_wait: %s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: release-pilot
                    webhook_configs:
                """.formatted(groupWait) + hooks;
        Path bin = Binaries.require("prometheus-alertmanager", "prometheus-alertmanager");
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("alertmanager.yml"), cfg);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        process = PeerProcess.start("alertmanager", dir, List.of(bin.toString(),
                "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=", "--log.level=debug"));
        Poll.until("Alertmanager ready on " + port, Duration.ofSeconds(20), () -> {
            process.assertAlive();
            return get("/-/ready").statusCode() == 200;
        });
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Posts alerts through Alertmanager's own v2 API, the way Prometheus does. */
    public void post(String alertsJsonArray) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(alertsJsonArray))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("Alertmanager refused alerts: " + r.statusCode() + " " + r.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs amtool against this Alertmanager, as an operator would; returns its output. */
    public String amtool(String... args) {
        Path bin = Binaries.require("amtool", "prometheus-alertmanager");
        List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString(), "--alertmanager.url=" + url()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new AssertionError("amtool " + String.join(" ", args) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public String log() {
        return process.log();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        process.close();
    }
}
