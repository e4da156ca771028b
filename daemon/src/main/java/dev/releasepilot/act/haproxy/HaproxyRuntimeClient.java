package dev.releasepilot.act.haproxy;


import dev.releasepilot.act.ActuationFailure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HAProxy's runtime API in non-interactive mode: connect, send one line of {@code ;}-separated
 * commands, read until HAProxy closes. TCP or unix socket; non-blocking, with one deadline covering
 * connect, write and read.
 */
public final class HaproxyRuntimeClient {
    private final Vertx vertx;
    private final NetClient client;
    private final SocketAddress address;
    private final Duration timeout;

    public HaproxyRuntimeClient(Vertx vertx, String address, boolean unix, Duration timeout) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.client = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) Math.max(1, timeout.toMillis())).setTcpNoDelay(true));
        if (unix) {
            this.address = SocketAddress.domainSocketAddress(address);
        } else {
            int colon = address.lastIndexOf(':');
            this.address = SocketAddress.inetSocketAddress(Integer.parseInt(address.substring(colon + 1)),
                    address.substring(0, colon));
        }
    }

    /** The largest reply taken, in bytes (1 MiB): weights of a backend's servers are a few bytes each. */
    public static final int MAX_REPLY = 1 << 20;

    /** Sends the commands joined by ';' and answers with HAProxy's whole reply (at most {@link #MAX_REPLY} bytes). */
    public Future<String> execute(java.util.List<String> commands) {
        Promise<String> result = Promise.promise();
        String line = String.join(";", commands) + "\n";
        long timer = vertx.setTimer(timeout.toMillis(), t -> result.tryFail(
                new ActuationFailure(ActuationFailure.Reason.TIMEOUT, "HAProxy at " + address + " did not answer within " + timeout.toMillis() + " ms")));
        client.connect(address).onComplete(ar -> {
            if (ar.failed()) {
                result.tryFail(new ActuationFailure(ActuationFailure.Reason.CONNECT,
                        "cannot connect to HAProxy runtime API at " + address + ": " + ar.cause().getMessage()));
                return;
            }
            var socket = ar.result();
            Buffer reply = Buffer.buffer();
            socket.handler(chunk -> {
                if (reply.length() + chunk.length() > MAX_REPLY) {
                    // Stop here: reading on would buffer whatever the peer sends, on the event loop.
                    result.tryFail(new ActuationFailure(ActuationFailure.Reason.PROTOCOL, "HAProxy at " + address
                            + " sent a reply larger than the " + MAX_REPLY + "-byte (1 MiB) limit; the call was cut there"));
                    return;
                }
                reply.appendBuffer(chunk);
            });
            socket.exceptionHandler(e -> result.tryFail(new ActuationFailure(ActuationFailure.Reason.PROTOCOL,
                    "HAProxy connection error: " + e.getMessage())));
            socket.endHandler(v -> result.tryComplete(reply.toString(StandardCharsets.UTF_8)));
            socket.write(line);
            result.future().onComplete(x -> {
                if (x.failed()) {
                    socket.close();
                }
            });
        });
        return result.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    public Future<Void> close() {
        return client.close();
    }
}
