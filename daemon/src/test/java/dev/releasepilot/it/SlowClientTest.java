package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.HttpGuards;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that hold the server's memory or connections without finishing a request, on real sockets:
 * bodies that never complete, headers that never complete, connections that say nothing, empty bodies
 * and clients that hang up mid-body. The daemon answers 503 with Retry-After (never a 4xx, which
 * senders treat as final), closes what overstays, keeps answering {@code /-/healthy}, and logs no
 * stack traces.
 */
class SlowClientTest {
    private static final int MIB = 1024 * 1024;
    private static final String REMOTE_WRITE_HEAD = "POST /api/v1/write HTTP/1.1\r\nHost: rp\r\n"
            + "Content-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\nContent-Length: " + 4 * MIB + "\r\n\r\n";

    @TempDir
    Path tmp;
    private Haproxy haproxy;
    private RunningDaemon d;
    private final List<Socket> sockets = new ArrayList<>();

    private RunningDaemon start(HttpGuards guards) {
        haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
        d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null,
                c -> c.withGuards(guards));
        return d;
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (d != null) {
            d.close();
        }
        if (haproxy != null) {
            haproxy.close();
        }
    }

    @Test
    void bodiesPastTheBudgetGet503WithRetryAfterAndUnfinishedBodiesAreCutAtTheDeadline() throws Exception {
        start(HttpGuards.DEFAULTS.withBodyBudget(8L * MIB).withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30),
                Duration.ofSeconds(1)));
        // Two remote_write bodies of 4 MiB minus what they never send take the whole 8 MiB budget.
        Socket a = open();
        Socket b = open();
        for (Socket s : List.of(a, b)) {
            send(s, REMOTE_WRITE_HEAD);
            s.getOutputStream().write(new byte[MIB]);
        }
        Poll.until("both bodies reserved", Duration.ofSeconds(5),
                () -> d.metrics().contains("release_pilot_http_body_bytes_in_flight " + (double) (8 * MIB)));

        Socket c = open();
        send(c, REMOTE_WRITE_HEAD);
        String refused = readHead(c);
        assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
        assertTrue(refused.contains("Retry-After: 1"), refused);
        assertEquals(200, d.get("/-/healthy").statusCode(), "the daemon answers while the budget is spent");

        // Neither body completes: at the body deadline each gets a 503 and its connection is closed.
        for (Socket s : List.of(a, b)) {
            String head = readHead(s);
            assertTrue(head.startsWith("HTTP/1.1 503"), head);
            assertTrue(head.contains("Retry-After: 1"), head);
            assertTrue(closedByServer(s));
        }
        Poll.until("the budget given back", Duration.ofSeconds(5),
                () -> d.metrics().contains("release_pilot_http_body_bytes_in_flight 0.0"));
        String metrics = d.metrics();
        assertTrue(metrics.contains("release_pilot_signals_rejected_total{reason=\"busy\",source=\"remote_write\"} 1.0"), metrics);
        assertTrue(metrics.contains("release_pilot_signals_rejected_total{reason=\"body_timeout\",source=\"remote_write\"} 2.0"),
                metrics);
        HttpResponse<String> ok = d.post("/api/v1/alerts/alertmanager", "application/json",
                Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z"), null);
        assertEquals(200, ok.statusCode(), ok.body());
    }

    @Test
    void slowWebhookBodiesCountAgainstTheBudgetToo() throws Exception {
        start(HttpGuards.DEFAULTS.withBodyBudget(8L * MIB).withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30),
                Duration.ofSeconds(1)));
        // One long annotation that never ends: the parser must buffer it, so its bytes are reserved.
        String head = "POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: rp\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + 8 * MIB + "\r\n\r\n{\"alerts\":[{\"annotations\":{\"a\":\"";
        byte[] text = "x".repeat(3 * MIB).getBytes(StandardCharsets.US_ASCII);
        Socket a = open();
        Socket b = open();
        for (Socket s : List.of(a, b)) {
            send(s, head);
            s.getOutputStream().write(text);
        }
        Poll.until("both bodies reserved", Duration.ofSeconds(5), () -> d.metrics()
                .contains("release_pilot_http_body_bytes_in_flight " + (double) (2 * (3 * MIB + 32))));
        Socket c = open();
        send(c, head);
        c.getOutputStream().write(text);
        String refused = readHead(c);
        assertTrue(refused.startsWith("HTTP/1.1 503") && refused.contains("Retry-After: 1"), refused);
        assertEquals(200, d.get("/-/healthy").statusCode());
        for (Socket s : List.of(a, b)) {
            assertTrue(readHead(s).startsWith("HTTP/1.1 503"), "cut at the body deadline");
        }
        Poll.until("the budget given back", Duration.ofSeconds(5),
                () -> d.metrics().contains("release_pilot_http_body_bytes_in_flight 0.0"));
        assertTrue(d.metrics().contains("release_pilot_signals_rejected_total{reason=\"busy\",source=\"alertmanager\"} 1.0"));
    }

    @Test
    void aWebhookBodyThatStallsIsCutAtTheDeadline() throws Exception {
        start(HttpGuards.DEFAULTS.withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(1)));
        Socket s = open();
        send(s, "POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: rp\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000\r\n\r\n{\"receiver\":\"x\",\"alerts\":[");
        String head = readHead(s);
        assertTrue(head.startsWith("HTTP/1.1 503"), head);
        assertTrue(closedByServer(s));
        assertEquals(0, d.count("checkout", "alert", null));
    }

    @Test
    void connectionsThatNeverFinishTheirHeadersAreClosed() throws Exception {
        // Idle timeout far away: what closes them must be the header deadline.
        start(HttpGuards.DEFAULTS.withTimeouts(Duration.ofSeconds(60), Duration.ofMillis(500), Duration.ofSeconds(30)));
        int n = 200;
        for (int i = 0; i < n; i++) {
            send(open(), "POST /api/v1/write HTTP/1.1\r\nHost: rp\r\nX-Slow: ");
        }
        // A keep-alive connection that finished one request, then starts the next and stalls.
        Socket kept = open();
        send(kept, "GET /-/healthy HTTP/1.1\r\nHost: rp\r\n\r\n");
        assertTrue(readHead(kept).startsWith("HTTP/1.1 200"));
        send(kept, "GET /-/healthy HTTP/1.1\r\nHost: ");

        for (int i = 0; i < sockets.size(); i++) {
            int at = i;
            assertTrue(closedByServer(sockets.get(i)), () -> "socket " + at + " closed by the server; " + d.metrics());
        }
        assertTrue(d.metrics().contains("release_pilot_http_connections_closed_total{reason=\"header_timeout\"} " + (n + 1.0)),
                d.metrics());
        assertEquals(200, d.get("/-/healthy").statusCode());
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        start(HttpGuards.DEFAULTS.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        for (int i = 0; i < 100; i++) {
            open();
        }
        for (Socket s : sockets) {
            assertTrue(closedByServer(s), "closed by the server");
        }
        assertEquals(200, d.get("/-/healthy").statusCode());
    }

    @Test
    void emptyBodiesAre400WithAClearMessage() {
        start(HttpGuards.DEFAULTS);
        HttpResponse<String> webhook = d.post("/api/v1/alerts/alertmanager", "application/json", "", null);
        assertEquals(400, webhook.statusCode(), webhook.body());
        assertTrue(new JsonObject(webhook.body()).getString("error").contains("empty"), webhook.body());
        HttpResponse<String> write = d.post("/api/v1/write", "application/x-protobuf", "", null);
        assertEquals(415, write.statusCode(), "no Content-Encoding: snappy: " + write.body());
        for (HttpResponse<String> r : List.of(webhook, write)) {
            assertFalse(r.body().contains("Exception"), r.body());
        }
    }

    @Test
    void clientsHangingUpMidBodyLeaveNoStackTraceInTheLog() throws Exception {
        start(HttpGuards.DEFAULTS);
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try {
            int n = 20;
            for (int i = 0; i < n; i++) {
                Socket hook = open();
                send(hook, "POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: rp\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n{\"alerts\":[");
                Socket write = open();
                send(write, REMOTE_WRITE_HEAD);
                write.getOutputStream().write(new byte[1000]);
                // Hang up only once the server holds the request (its body is reserved), as a crashing sender would.
                Poll.until("the bodies reserved", Duration.ofSeconds(5), () -> inFlight() > 4 * MIB);
                for (Socket s : List.of(hook, write)) {
                    s.setSoLinger(true, 0); // a reset, not a polite close
                    s.close();
                }
                Poll.until("the body given back", Duration.ofSeconds(5),
                        () -> d.metrics().contains("release_pilot_http_body_bytes_in_flight 0.0"));
            }
            Poll.until("the aborted bodies counted", Duration.ofSeconds(10), () -> d.metrics()
                    .contains("release_pilot_signals_rejected_total{reason=\"aborted\",source=\"remote_write\"} " + (double) n));
            assertTrue(d.metrics().contains("release_pilot_signals_rejected_total{reason=\"aborted\",source=\"alertmanager\"}"),
                    d.metrics());
            assertEquals(200, d.get("/-/healthy").statusCode());
        } finally {
            root.removeHandler(capture);
        }
        for (LogRecord r : records) {
            assertEquals(null, r.getThrown(), () -> "a stack trace was logged: " + r.getLoggerName() + " " + r.getMessage());
        }
        assertTrue(records.stream().filter(r -> r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
                .count() <= 40, () -> "at most one line per aborted request: " + records.size());
    }

    private double inFlight() {
        String m = d.metrics();
        int at = m.indexOf("\nrelease_pilot_http_body_bytes_in_flight ") + 1;
        return Double.parseDouble(m.substring(m.indexOf(' ', at) + 1, m.indexOf('\n', at)));
    }

    private Socket open() throws IOException {
        Socket s = new Socket("127.0.0.1", d.daemon.port());
        s.setSoTimeout(15_000); // the deadline for every read below
        sockets.add(s);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads a response's status line and headers. */
    private static String readHead(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            out.write(c);
            String sofar = out.toString(StandardCharsets.US_ASCII);
            if (sofar.endsWith("\r\n\r\n")) {
                return sofar;
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** Reads until the server closes the connection (end of stream or reset); false if the read deadline passes. */
    private static boolean closedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // discard what is left of a response
            }
            return true;
        } catch (SocketException e) {
            return true; // connection reset: closed too
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }
}
