package dev.releasepilot.peers;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP server on a free loopback port that answers every request with 200 and a chunked body of
 * {@code total} bytes (a JSON-looking prefix, then spaces), written as fast as the client reads: a
 * read-back URL, generation URL or admin API that streams far more than any LB answer. {@link #tcpPort}
 * does the same on a raw TCP socket (a runtime API that never stops talking). {@link #bytesWritten}
 * counts what the clients took in.
 */
public final class EndlessReply implements AutoCloseable {
    private static final Buffer CHUNK = Buffer.buffer(" ".repeat(64 * 1024));

    public final int port;
    public final int tcpPort;
    private final HttpServer server;
    private final io.vertx.core.net.NetServer tcp;
    private final long total;
    private final AtomicLong written = new AtomicLong();

    public EndlessReply(Vertx vertx, long total) {
        this.total = total;
        try {
            server = vertx.createHttpServer().requestHandler(req -> {
                HttpServerResponse r = req.response().setChunked(true).putHeader("Content-Type", "application/json");
                r.write("{\"servers\": [], \"pad\": \"");
                pump(r, 0);
            }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot start the endless reply server", e);
        }
        port = server.actualPort();
        try {
            tcp = vertx.createNetServer().connectHandler(socket -> pumpTcp(socket, 0))
                    .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot start the endless TCP server", e);
        }
        tcpPort = tcp.actualPort();
    }

    private void pumpTcp(io.vertx.core.net.NetSocket s, long sent) {
        long n = sent;
        while (n < total && !s.writeQueueFull()) {
            s.write(CHUNK);
            n += CHUNK.length();
            written.addAndGet(CHUNK.length());
        }
        if (n >= total) {
            s.end();
            return;
        }
        long at = n;
        s.drainHandler(v -> pumpTcp(s, at));
    }

    private void pump(HttpServerResponse r, long sent) {
        long n = sent;
        while (n < total && !r.writeQueueFull()) {
            if (r.closed()) {
                return;
            }
            r.write(CHUNK);
            n += CHUNK.length();
            written.addAndGet(CHUNK.length());
        }
        if (n >= total) {
            r.end("\"}");
            return;
        }
        long at = n;
        r.drainHandler(v -> pump(r, at));
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Body bytes handed to the connection so far. */
    public long bytesWritten() {
        return written.get();
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
            tcp.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
