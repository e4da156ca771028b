package dev.releasepilot.act;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One HTTP request to a load balancer's API with one deadline over connect, send and the whole reply,
 * non-blocking. Failures come back as {@link ActuationFailure}s: CONNECT when nothing listens, TIMEOUT
 * when the deadline passes (the request is then reset, so a hung LB holds no connection), PROTOCOL when
 * the connection breaks mid-way or the reply grows past {@link #MAX_BODY} bytes (read as it arrives and
 * reset at the limit: an endless reply costs 1 MiB, never the heap). The status code is left to the
 * caller: what a 500 means is the LB's.
 */
public final class HttpCall {
    /** A reply's status and body (at most {@link #MAX_BODY} bytes); {@link #snippet} is for messages. */
    public record Reply(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String snippet() {
            String b = body.strip();
            return b.length() > 300 ? b.substring(0, 300) + "…" : b;
        }
    }

    /** The largest reply body taken, in bytes (1 MiB): an LB API's answer about one pool is far smaller. */
    public static final int MAX_BODY = 1 << 20;

    private final Vertx vertx;
    private final String peer;
    private final HttpClientAgent client;
    private final Duration timeout;
    private final SocketAddress server;

    /**
     * @param peer      how messages name the other side, e.g. "Caddy admin API"
     * @param keepAlive false opens a fresh connection per call (NGINX read-back: a new connection is
     *                  accepted by a worker that runs the current config)
     */
    public HttpCall(Vertx vertx, String peer, Duration timeout, boolean keepAlive) {
        this(vertx, peer, timeout, keepAlive, null);
    }

    /**
     * @param unixSocket when set, every request goes over this unix domain socket (Caddy's
     *                   {@code unix//path} admin address); the URL then only gives the path and the Host
     *                   header
     */
    public HttpCall(Vertx vertx, String peer, Duration timeout, boolean keepAlive, Path unixSocket) {
        this.vertx = vertx;
        this.peer = peer;
        this.timeout = timeout;
        this.server = unixSocket == null ? null : SocketAddress.domainSocketAddress(unixSocket.toString());
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(keepAlive)
                .setConnectTimeout((int) Math.max(1, timeout.toMillis())));
    }

    public Future<Reply> send(String method, String url, Map<String, String> headers, String body) {
        return send(method, url, headers, body, timeout);
    }

    public Future<Reply> send(String method, String url, Map<String, String> headers, String body, Duration deadline) {
        Promise<Reply> result = Promise.promise();
        AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
        long timer = vertx.setTimer(Math.max(1, deadline.toMillis()), t -> {
            if (result.tryFail(new ActuationFailure(ActuationFailure.Reason.TIMEOUT,
                    peer + " at " + where(url) + " did not answer within " + deadline.toMillis() + " ms"))) {
                HttpClientRequest r = inFlight.get();
                if (r != null) {
                    r.reset();
                }
            }
        });
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setAbsoluteURI(url);
        if (server != null) {
            options.setServer(server);
        }
        headers.forEach(options::putHeader);
        client.request(options).onComplete(ar -> {
            if (ar.failed()) {
                result.tryFail(classify(url, ar.cause(), true));
                return;
            }
            HttpClientRequest req = ar.result();
            if (result.future().isComplete()) {
                req.reset(); // the deadline passed while connecting: do not send a change we reported as failed
                return;
            }
            inFlight.set(req);
            (body == null ? req.send() : req.send(Buffer.buffer(body))).onComplete(r -> {
                if (r.failed()) {
                    result.tryFail(classify(url, r.cause(), false));
                    return;
                }
                HttpClientResponse resp = r.result();
                Buffer received = Buffer.buffer();
                resp.exceptionHandler(e -> result.tryFail(classify(url, e, false)));
                resp.handler(chunk -> {
                    if (result.future().isComplete()) {
                        return;
                    }
                    if (received.length() + chunk.length() > MAX_BODY) {
                        // Stop here: reading on would buffer whatever the peer sends, on the event loop.
                        result.tryFail(new ActuationFailure(ActuationFailure.Reason.PROTOCOL, peer + " at " + where(url)
                                + " sent a reply larger than the " + MAX_BODY + "-byte (1 MiB) limit; the call was cut there"));
                        req.reset();
                        return;
                    }
                    received.appendBuffer(chunk);
                });
                resp.endHandler(v -> result.tryComplete(new Reply(resp.statusCode(), received.toString())));
            });
        });
        return result.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    private ActuationFailure classify(String url, Throwable cause, boolean connecting) {
        if (cause instanceof ActuationFailure f) {
            return f;
        }
        if (cause instanceof ConnectException || cause instanceof UnknownHostException
                || (connecting && cause.getCause() instanceof ConnectException)) {
            return new ActuationFailure(ActuationFailure.Reason.CONNECT, "cannot connect to " + peer + " at " + where(url)
                    + ": " + cause.getMessage());
        }
        return new ActuationFailure(connecting ? ActuationFailure.Reason.CONNECT : ActuationFailure.Reason.PROTOCOL,
                peer + " at " + where(url) + ": " + cause);
    }

    /** The URL as messages show it: over a unix socket, Caddy's {@code unix//path} form and the request path. */
    private String where(String url) {
        return server == null ? url : "unix/" + server.path() + " " + URI.create(url).getRawPath();
    }

    public Future<Void> close() {
        return client.close();
    }
}
