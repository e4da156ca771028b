package dev.releasepilot.it;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.app.StartupFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/** An in-process daemon on a free port, with a tiny HTTP client for its API. */
final class RunningDaemon implements AutoCloseable {
    final Daemon daemon;
    private final HttpClient http = HttpClient.newHttpClient();

    private RunningDaemon(Daemon daemon) {
        this.daemon = daemon;
    }

    static RunningDaemon start(Path rules, Path dataDir, String adminToken) {
        try {
            return new RunningDaemon(Daemon.start(DaemonConfig.defaults(rules, dataDir, "127.0.0.1", 0)
                    .withTokens(null, adminToken).withActuationRetryDelayMs(200)
                    .withReconcileIntervalMs(0))); // periodic repair has its own test (DriftReconcileTest)
        } catch (StartupFailure e) {
            throw new AssertionError(e.getMessage());
        }
    }

    /** A daemon with the given config (for tests that need periodic reads or other non-defaults). */
    static RunningDaemon start(DaemonConfig config) {
        try {
            return new RunningDaemon(Daemon.start(config));
        } catch (StartupFailure e) {
            throw new AssertionError(e.getMessage());
        }
    }

    /** Writes a rule file with one HAProxy-backed service {@code checkout}. */
    static Path rules(Path dir, String haproxyAddress, String extra) {
        String yaml = """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "%s", backend: be_checkout,
                              stable: [stable1], canary: [canary1], timeout: 1s}
                    triggers:
                      - name: paged
                        alert: '{alertname=~"Checkout.*", severity="critical"}'
                    on_trigger: rollback
                    cooldown: 10m
                %s""".formatted(haproxyAddress, extra == null ? "" : extra);
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve("rules.yaml");
            Files.writeString(p, yaml);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + daemon.port();
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build());
    }

    HttpResponse<String> post(String path, String contentType, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    JsonObject service(String name) {
        HttpResponse<String> r = get("/api/v1/services/" + name);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET service " + name + ": " + r.statusCode() + " " + r.body());
        }
        return new JsonObject(r.body());
    }

    JsonArray records(String service) {
        return new JsonObject(get("/api/v1/decisions?service=" + service).body()).getJsonArray("records");
    }

    long count(String service, String type, String kind) {
        return records(service).stream().map(o -> (JsonObject) o)
                .filter(r -> r.getString("type").equals(type))
                .filter(r -> kind == null || kind.equals(r.getJsonObject("body").getString("kind")))
                .count();
    }

    String metrics() {
        return get("/metrics").body();
    }

    private HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
