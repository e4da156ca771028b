package dev.releasepilot.peers;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny real upstream HTTP server on a free loopback port that answers every request with a status
 * the test can change while it runs (a canary that starts failing).
 */
public final class StatusServer implements AutoCloseable {
    public final int port;
    private final HttpServer server;
    private final AtomicInteger status;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong delayMs = new AtomicLong();
    private final AtomicInteger failOneIn = new AtomicInteger();

    private StatusServer(HttpServer server, AtomicInteger status) {
        this.server = server;
        this.status = status;
        this.port = server.actualPort();
    }

    /** Starts listening; blocking, call it from the test thread. */
    public static StatusServer start(Vertx vertx, int status) {
        AtomicInteger s = new AtomicInteger(status);
        StatusServer[] self = {null};
        try {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false)).requestHandler(req -> {
                long n = self[0].requests.incrementAndGet();
                int every = self[0].failOneIn.get();
                int code = every > 0 && n % every == 0 ? 500 : s.get();
                long delay = self[0].delayMs.get();
                if (delay == 0) {
                    req.response().setStatusCode(code).end("status " + code + "\n");
                } else {
                    vertx.setTimer(delay, t -> req.response().setStatusCode(code).end("status " + code + "\n"));
                }
            }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
            self[0] = new StatusServer(server, s);
            return self[0];
        } catch (Exception e) {
            throw new AssertionError("cannot start an upstream server: " + e, e);
        }
    }

    /** From now on every request gets {@code code}. */
    public void answer(int code) {
        status.set(code);
    }

    /** From now on every {@code n}-th request gets 500 (a small, steady error rate); 0 turns it off. */
    public void failOneIn(int n) {
        failOneIn.set(n);
    }

    /** From now on every answer waits {@code ms} first (a slow server, non-zero response times). */
    public void delay(long ms) {
        delayMs.set(ms);
    }

    public long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the test is over; the port goes away with the JVM at the latest
        }
    }
}
