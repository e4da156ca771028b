package dev.releasepilot.it;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.PeerProcess;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A daemon in a JVM of its own ({@code release-pilot run} on this build's class path), so a test can
 * SIGKILL, SIGSTOP and SIGCONT it like a real instance of a cluster.
 */
final class DaemonProcess implements AutoCloseable {
    final String id;
    final int port;
    private final PeerProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private DaemonProcess(String id, int port, PeerProcess process) {
        this.id = id;
        this.port = port;
        this.process = process;
    }

    /** Starts {@code run --journal-url URL --instance-id ID} and waits until it answers. */
    static DaemonProcess start(Path dir, String id, Path rules, String journalUrl, Path adminTokenFile, String... extra) {
        int port = FreePort.get();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.releasepilot.cli.Main", "run", "--config", rules.toString(), "--data-dir", dir.resolve("data-" + id).toString(),
                "--journal-url", journalUrl, "--instance-id", id, "--listen", "127.0.0.1:" + port,
                "--reconcile-interval", "0s"));
        if (adminTokenFile != null) {
            cmd.addAll(List.of("--admin-token-file", adminTokenFile.toString()));
        }
        cmd.addAll(List.of(extra));
        DaemonProcess d = new DaemonProcess(id, port, PeerProcess.start("daemon-" + id, dir, cmd));
        Poll.until("instance " + id + " answering", Duration.ofSeconds(60), () -> {
            d.process.assertAlive();
            return d.get("/-/healthy").statusCode() == 200;
        });
        return d;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String webhook() {
        return url() + "/api/v1/alerts/alertmanager";
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(5)).GET().build());
    }

    HttpResponse<String> post(String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    /** A POST whose answer may come much later (the instance is stopped). */
    java.util.concurrent.CompletableFuture<HttpResponse<String>> postLater(String path, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonObject cluster() {
        return new JsonObject(get("/api/v1/cluster").body());
    }

    /** Whether this instance holds {@code service}'s lease (as of its last lease round). */
    boolean holds(String service) {
        JsonArray held = cluster().getJsonArray("held");
        return held != null && held.contains(service);
    }

    /** The shared journal's records of {@code service}, read through this instance (newest page). */
    List<JsonObject> records(String service) {
        JsonArray a = new JsonObject(get("/api/v1/decisions?service=" + service + "&limit=500").body()).getJsonArray("records");
        List<JsonObject> out = new ArrayList<>();
        a.forEach(o -> out.add((JsonObject) o));
        return out;
    }

    long count(String service, String type) {
        return records(service).stream().filter(r -> type.equals(r.getString("type"))).count();
    }

    String metrics() {
        return get("/metrics").body();
    }

    void signal(String sig) {
        process.signal(sig);
    }

    /** SIGKILL, and wait until the process is gone. */
    void kill() {
        process.signal("KILL");
        Poll.until("instance " + id + " gone", Duration.ofSeconds(10), () -> !process.alive());
    }

    boolean alive() {
        return process.alive();
    }

    String log() {
        return process.log();
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
        process.signal("CONT"); // a stopped JVM cannot take the TERM
        process.close();
    }
}
