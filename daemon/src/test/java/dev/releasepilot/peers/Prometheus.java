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
import java.util.ArrayList;
import java.util.List;

/**
 * A real Prometheus (Debian package {@code prometheus}) on a free loopback port with its own TSDB
 * directory, in one of the two roles the tests need: a scraper that forwards everything by
 * remote_write, or a remote_write receiver (the benchmark's baseline).
 */
public final class Prometheus implements AutoCloseable {
    public final int port;
    private final PeerProcess process;
    private final HttpClient http = HttpClient.newHttpClient();

    private Prometheus(Path dir, String config, List<String> extraFlags) {
        this.port = FreePort.get();
        Path bin = Binaries.require("prometheus", "prometheus");
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("prometheus.yml"), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port));
        cmd.addAll(extraFlags);
        process = PeerProcess.start("prometheus", dir, cmd);
        Poll.until("Prometheus ready on " + port, Duration.ofSeconds(30), () -> {
            process.assertAlive();
            return get("/-/ready").statusCode() == 200;
        });
    }

    /**
     * Scrapes {@code target} (host:port serving /metrics) every second and remote-writes to {@code url}
     * with a 1 s batch deadline and a 1 s metadata interval, so samples and metadata-only requests
     * both show up within seconds. The external label {@code replica="r1"} rides on every series.
     */
    public static Prometheus scrapingAndWriting(Path dir, String target, String url) {
        String cfg = """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  external_labels:
                    replica: r1
                scrape_configs:
                  - job_name: exporter
                    static_configs:
                      - targets: ['%s']
                remote_write:
                  - url: '%s'
                    queue_config:
                      batch_send_deadline: 1s
                      min_backoff: 30ms
                      max_backoff: 1s
                    metadata_config:
                      send_interval: 1s
                """.formatted(target, url);
        return new Prometheus(dir, cfg, List.of("--log.level=debug"));
    }

    /** A Prometheus with the given configuration file text (paths in it may point into {@code dir}). */
    public static Prometheus withConfig(Path dir, String config, List<String> extraFlags) {
        return new Prometheus(dir, config, extraFlags);
    }

    /** Scrapes nothing and accepts remote_write on {@code /api/v1/write} into its own TSDB. */
    public static Prometheus receiving(Path dir) {
        return new Prometheus(dir, "global:\n  scrape_interval: 1m\n", List.of("--web.enable-remote-write-receiver"));
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        return process.log();
    }

    public void assertAlive() {
        process.assertAlive();
    }

    /** The sum over all series of one of Prometheus' own metrics (from its /metrics), 0 when absent. */
    public double selfMetric(String name) {
        try {
            double sum = 0;
            for (String line : get("/metrics").body().split("\n")) {
                if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        process.close();
    }
}
