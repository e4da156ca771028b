package dev.releasepilot.peers;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;

/**
 * A tiny real HTTP server on a free loopback port that answers every request with its own name
 * ("stable", "canary"): the upstream behind a load balancer, so counting names counts where traffic went.
 */
public final class NamedUpstream implements AutoCloseable {
    public final String name;
    public final int port;
    private final HttpServer server;

    public NamedUpstream(Vertx vertx, String name) {
        this.name = name;
        try {
            this.server = vertx.createHttpServer()
                    .requestHandler(req -> req.response().putHeader("Content-Type", "text/plain").end(name))
                    .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot start upstream " + name, e);
        }
        this.port = server.actualPort();
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
