package dev.releasepilot.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Closes connections that hold a slot without sending a request: a client must deliver a request's
 * headers within {@code headerTimeoutMs} of opening the connection, and of the previous response on
 * it (within twice that, as the check ticks once per timeout). A client that trickles one header byte at a
 * time defeats the idle timeout, which only sees silence; this sees the missing request. Once a request
 * has arrived its body is the body deadline's business ({@code BodyBudget}).
 *
 * <p>Each connection's watch is touched only on that connection's event loop; the map from connections
 * to watches is shared by the server's event loops, hence concurrent.
 */
final class ConnectionGuard {
    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());

    private final Vertx vertx;
    private final long headerTimeoutMs;
    private final Counter closed;
    private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();

    ConnectionGuard(Vertx vertx, long headerTimeoutMs, MeterRegistry registry) {
        this.vertx = vertx;
        this.headerTimeoutMs = headerTimeoutMs;
        this.closed = Counter.builder("release_pilot_http_connections_closed_total").tag("reason", "header_timeout")
                .description("Connections closed by the server because a request's headers did not arrive in time")
                .register(registry);
    }

    /** Installs the guard on {@code server} around {@code requests}, the application's request handler. */
    void install(HttpServer server, Handler<HttpServerRequest> requests) {
        server.connectionHandler(conn -> {
            Watch w = new Watch(conn);
            watches.put(conn, w);
            conn.closeHandler(v -> {
                vertx.cancelTimer(w.timer);
                watches.remove(conn);
            });
            w.arm();
        });
        server.requestHandler(req -> {
            Watch w = watches.get(req.connection());
            if (w != null) {
                w.last = req;
                w.idleSeen = false;
            }
            requests.handle(req);
        });
    }

    private final class Watch {
        final HttpConnection conn;
        HttpServerRequest last;
        boolean idleSeen;
        long timer;

        Watch(HttpConnection conn) {
            this.conn = conn;
        }

        void arm() {
            timer = vertx.setTimer(headerTimeoutMs, t -> tick());
        }

        private void tick() {
            boolean waiting = last == null || last.response().ended();
            if (waiting && (last == null || idleSeen)) {
                closed.increment();
                LOG.fine(() -> "closing " + conn.remoteAddress() + ": no request headers within " + headerTimeoutMs + " ms");
                conn.close();
                return;
            }
            idleSeen = waiting; // the previous response has ended: the next tick expects a new request
            arm();
        }
    }
}
