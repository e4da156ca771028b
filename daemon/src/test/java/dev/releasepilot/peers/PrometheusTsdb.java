package dev.releasepilot.peers;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian package {@code prometheus}) serving data backfilled with
 * {@code promtool tsdb create-blocks-from openmetrics}: samples at exact timestamps, nothing scraped,
 * so instant queries at chosen times give Prometheus' own answers to compare against.
 */
public final class PrometheusTsdb implements AutoCloseable {
    public final int port;
    private final PeerProcess process;
    private final HttpClient http = HttpClient.newHttpClient();

    /** {@code openMetrics} must end with "# EOF"; timestamps are seconds with millisecond decimals. */
    public PrometheusTsdb(Path dir, String openMetrics) {
        Path prometheus = Binaries.require("prometheus", "prometheus");
        Path promtool = Binaries.require("promtool", "prometheus");
        Path data = dir.resolve("data");
        try {
            Files.createDirectories(data);
            Files.writeString(dir.resolve("input.om"), openMetrics);
            Files.writeString(dir.resolve("prometheus.yml"), "global: {}\n");
            Process p = new ProcessBuilder(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics",
                    dir.resolve("input.om").toString(), data.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("promtool.log").toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("promtool failed:\n" + Files.readString(dir.resolve("promtool.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        port = FreePort.get();
        process = PeerProcess.start("prometheus", dir, List.of(prometheus.toString(),
                "--config.file=" + dir.resolve("prometheus.yml"), "--storage.tsdb.path=" + data,
                "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:" + port));
        Poll.until("Prometheus ready on " + port, Duration.ofSeconds(30), () -> {
            process.assertAlive();
            return get("/-/ready").statusCode() == 200;
        });
    }

    /** GET /api/v1/query at an instant (ms); returns the "data" object. */
    public JsonObject query(String promql, long timeMs) {
        String q = "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time=" + (timeMs / 1000) + "." + String.format("%03d", timeMs % 1000);
        HttpResponse<String> r = get(q);
        JsonObject body = new JsonObject(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.getString("status"))) {
            throw new AssertionError("Prometheus refused " + promql + ": " + r.statusCode() + " " + r.body());
        }
        return body.getJsonObject("data");
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
