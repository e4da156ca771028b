package dev.releasepilot.peers;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real Caddy 2 (Debian package {@code caddy}) with its admin API and one HTTP server on free loopback
 * ports, config and data dirs inside the test's directory. Its catch-all route is a reverse_proxy
 * handler with {@code "@id": "rp_checkout"} and round_robin over three stable entries and one canary;
 * {@code /static} is a static_response handler with {@code "@id": "rp_static"}.
 */
public final class Caddy implements AutoCloseable {
    public static final String HANDLER_ID = "rp_checkout";
    /** A static_response handler on /static: an @id that exists but is no reverse_proxy. */
    public static final String STATIC_ID = "rp_static";
    public final int adminPort;
    public final int frontendPort;
    private final Path dir;
    private final Path config;
    private final JsonObject cfg;
    private final JsonObject handler;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private PeerProcess process;

    public Caddy(Path dir, String stable, String canary) {
        this.dir = dir;
        this.adminPort = FreePort.get();
        this.frontendPort = FreePort.get();
        this.config = dir.resolve("caddy.json");
        JsonArray upstreams = new JsonArray();
        for (String dial : List.of(stable, stable, stable, canary)) {
            upstreams.add(new JsonObject().put("dial", dial));
        }
        this.handler = new JsonObject().put("@id", HANDLER_ID).put("handler", "reverse_proxy")
                .put("load_balancing", new JsonObject().put("selection_policy", new JsonObject().put("policy", "round_robin")))
                .put("upstreams", upstreams);
        JsonObject server = new JsonObject().put("listen", new JsonArray().add("127.0.0.1:" + frontendPort))
                .put("automatic_https", new JsonObject().put("disable", true))
                .put("routes", new JsonArray()
                        .add(new JsonObject().put("match", new JsonArray().add(new JsonObject().put("path", new JsonArray().add("/static"))))
                                .put("handle", new JsonArray().add(new JsonObject().put("@id", STATIC_ID)
                                        .put("handler", "static_response").put("body", "static"))))
                        .add(new JsonObject().put("handle", new JsonArray().add(handler))));
        this.cfg = new JsonObject()
                .put("admin", new JsonObject().put("listen", "127.0.0.1:" + adminPort))
                .put("logging", new JsonObject().put("logs", new JsonObject().put("default",
                        new JsonObject().put("level", "WARN"))))
                .put("apps", new JsonObject().put("http", new JsonObject().put("servers",
                        new JsonObject().put("srv0", server))));
    }

    /** Before {@link #start}: the handler's selection policy (null: none set, Caddy's default random). */
    public Caddy policy(String policy) {
        if (policy == null) {
            handler.remove("load_balancing");
        } else {
            handler.put("load_balancing", new JsonObject().put("selection_policy", new JsonObject().put("policy", policy)));
        }
        return this;
    }

    /** Before {@link #start}: the handler's upstream entries as given (fields beyond dial included). */
    public Caddy upstreams(JsonArray upstreams) {
        handler.put("upstreams", upstreams);
        return this;
    }

    /**
     * Before {@link #start}: a hardened admin endpoint, {@code {"listen": ..., "enforce_origin": true,
     * "origins": [...]}}; a listen address {@code unix//path} puts it on a unix socket.
     */
    public Caddy admin(JsonObject admin) {
        cfg.put("admin", admin);
        return this;
    }

    public Caddy start() {
        try {
            Files.createDirectories(dir);
            Files.writeString(config, cfg.encodePrettily());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path bin = Binaries.require("caddy", "caddy");
        process = PeerProcess.start("caddy", dir, List.of(bin.toString(), "run", "--config", config.toString()),
                Map.of("XDG_CONFIG_HOME", dir.resolve("config").toString(), "XDG_DATA_HOME", dir.resolve("data").toString(),
                        "HOME", dir.toString()));
        // The frontend answers once the config is loaded, whatever the admin endpoint demands.
        Poll.until("Caddy frontend on " + frontendPort, Duration.ofSeconds(15), () -> {
            process.assertAlive();
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + frontendPort + "/static")).build(),
                    HttpResponse.BodyHandlers.ofString()).body().equals("static");
        });
        return this;
    }

    public String admin() {
        return "http://127.0.0.1:" + adminPort;
    }

    /** A GET on the admin API, as an operator would run it with curl. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(admin() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public String log() {
        return process == null ? "" : process.log();
    }

    public void stop() {
        if (process != null) {
            process.close();
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
