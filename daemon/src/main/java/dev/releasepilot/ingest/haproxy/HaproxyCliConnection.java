package dev.releasepilot.ingest.haproxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

/**
 * One persistent connection to HAProxy's runtime API in interactive mode: after {@code prompt} every
 * answer ends with {@code "\n> "} and the socket stays open, so a poller pays one TCP connect per HAProxy
 * worker instead of one per poll. A line of {@code ;}-separated commands gets one prompt-terminated answer
 * per command (checked against HAProxy 2.6.12).
 *
 * <p>Answers are read into one growing byte array owned by this connection and exposed as offsets into
 * it ({@link #bytes()}, {@link #answerStart}, {@link #answerEnd}), valid until the next {@link #send}: no
 * copy per poll. One request at a time: the caller waits for the previous future. Runs on the context
 * that created it; a timeout closes the socket, because a late answer would shift every later one.
 */
final class HaproxyCliConnection {
    /** An answer larger than this is a misconfiguration (polling every backend of a huge config). */
    static final int MAX_REPLY_BYTES = 32 << 20;
    private static final Buffer PROMPT_COMMAND = Buffer.buffer("prompt\n");

    private final Vertx vertx;
    private final NetClient client;
    private final SocketAddress address;

    private NetSocket socket; // null when not connected
    private byte[] buf = new byte[16 << 10];
    private int len;
    private int scanFrom;
    private int expected;
    private int[] ends = new int[8];
    private int answers;
    private Promise<Void> pending;
    private long timer = -1;
    private long bytesRead;

    HaproxyCliConnection(Vertx vertx, NetClient client, SocketAddress address) {
        this.vertx = vertx;
        this.client = client;
        this.address = address;
    }

    boolean connected() {
        return socket != null;
    }

    /** Connects and switches to interactive mode; completes once HAProxy shows its first prompt. */
    Future<Void> connect(long timeoutMs) {
        if (pending != null) {
            return Future.failedFuture(new IllegalStateException("a request is in flight"));
        }
        Promise<Void> p = Promise.promise();
        begin(p, 1, timeoutMs);
        client.connect(address).onComplete(ar -> {
            if (pending != p) {
                if (ar.succeeded()) {
                    ar.result().close(); // timed out meanwhile
                }
                return;
            }
            if (ar.failed()) {
                finish(new StatsPollFailure(StatsPollFailure.Kind.CONNECT, "cannot connect to " + address + ": " + ar.cause().getMessage()));
                return;
            }
            NetSocket s = ar.result();
            socket = s;
            s.handler(b -> onData(s, b));
            s.closeHandler(v -> onClosed(s));
            s.exceptionHandler(e -> {
                if (socket == s) {
                    fail(new StatsPollFailure(StatsPollFailure.Kind.CLOSED, "connection to " + address + " failed: " + e.getMessage()));
                }
            });
            s.write(PROMPT_COMMAND);
        });
        return p.future();
    }

    /**
     * Sends one line of {@code ;}-separated commands and completes once all {@code answers} are in
     * (one per command).
     */
    Future<Void> send(Buffer line, int answers, long timeoutMs) {
        if (pending != null) {
            return Future.failedFuture(new IllegalStateException("a request is in flight"));
        }
        if (socket == null) {
            return Future.failedFuture(new StatsPollFailure(StatsPollFailure.Kind.CLOSED, "not connected to " + address));
        }
        Promise<Void> p = Promise.promise();
        begin(p, answers, timeoutMs);
        socket.write(line);
        return p.future();
    }

    byte[] bytes() {
        return buf;
    }

    /** Number of answers of the last completed request. */
    int answers() {
        return answers;
    }

    int answerStart(int i) {
        return i == 0 ? 0 : ends[i - 1] + 3;
    }

    /** End (exclusive) of answer {@code i}, before its {@code "\n> "}. */
    int answerEnd(int i) {
        return ends[i];
    }

    /** Bytes received since this connection object was made (for the cost figures). */
    long bytesRead() {
        return bytesRead;
    }

    /** Closes the socket; a request in flight fails. */
    void close() {
        NetSocket s = socket;
        socket = null;
        if (s != null) {
            s.close();
        }
        if (pending != null) {
            finish(new StatsPollFailure(StatsPollFailure.Kind.CLOSED, "connection to " + address + " closed"));
        }
    }

    private void begin(Promise<Void> p, int answerCount, long timeoutMs) {
        pending = p;
        expected = answerCount;
        answers = 0;
        len = 0;
        scanFrom = 0;
        if (ends.length < answerCount) {
            ends = new int[Math.max(answerCount, ends.length * 2)];
        }
        timer = vertx.setTimer(timeoutMs, id -> {
            timer = -1;
            fail(new StatsPollFailure(StatsPollFailure.Kind.TIMEOUT, "HAProxy at " + address + " did not answer within " + timeoutMs + " ms"));
        });
    }

    private void onData(NetSocket from, Buffer b) {
        if (from != socket) {
            return;
        }
        int n = b.length();
        bytesRead += n;
        if (pending == null) {
            // HAProxy never speaks unasked in interactive mode: anything here would shift later answers.
            fail(new StatsPollFailure(StatsPollFailure.Kind.PROTOCOL, "unexpected " + n + " bytes from " + address));
            return;
        }
        if (len + n > buf.length) {
            if (len + n > MAX_REPLY_BYTES) {
                fail(new StatsPollFailure(StatsPollFailure.Kind.PROTOCOL, "answer from " + address + " exceeds " + MAX_REPLY_BYTES + " bytes"));
                return;
            }
            byte[] bigger = new byte[Math.min(MAX_REPLY_BYTES, Math.max(len + n, buf.length * 2))];
            System.arraycopy(buf, 0, bigger, 0, len);
            buf = bigger;
        }
        b.getBytes(0, n, buf, len);
        len += n;
        scanForPrompts();
    }

    /** Finds each {@code "\n> "} that ends an answer; completes the request when the last one is in. */
    private void scanForPrompts() {
        for (int i = Math.max(scanFrom, 0); i + 2 < len; i++) {
            if (buf[i] == '\n' && buf[i + 1] == '>' && buf[i + 2] == ' ') {
                ends[answers++] = i;
                i += 2;
                scanFrom = i + 1;
                if (answers == expected) {
                    if (i + 1 < len) {
                        fail(new StatsPollFailure(StatsPollFailure.Kind.PROTOCOL, "more answers than commands from " + address));
                    } else {
                        finish(null);
                    }
                    return;
                }
            }
        }
        scanFrom = Math.max(scanFrom, len - 2);
    }

    private void onClosed(NetSocket s) {
        if (socket == s) {
            socket = null;
            if (pending != null) {
                finish(new StatsPollFailure(StatsPollFailure.Kind.CLOSED, "HAProxy at " + address + " closed the connection"));
            }
        }
    }

    private void fail(Throwable t) {
        NetSocket s = socket;
        socket = null;
        if (s != null) {
            s.close();
        }
        if (pending != null) {
            finish(t);
        }
    }

    private void finish(Throwable failure) {
        Promise<Void> p = pending;
        pending = null;
        if (timer != -1) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        if (failure == null) {
            p.complete();
        } else {
            p.fail(failure);
        }
    }
}
