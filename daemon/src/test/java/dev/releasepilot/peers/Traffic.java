package dev.releasepilot.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sends real HTTP requests through a load balancer and counts which upstream answered. Each request
 * uses a new connection ({@code Connection: close}), as a new client would: a kept-alive connection
 * could stay with an NGINX worker that is finishing up on the previous config.
 */
public final class Traffic {
    private Traffic() {
    }

    /** Answers by body ("stable" → 95, "canary" → 5); a failed request counts under "error: ...". */
    public static Map<String, Integer> count(int port, int requests) {
        Map<String, Integer> answers = new TreeMap<>();
        for (int i = 0; i < requests; i++) {
            answers.merge(get(port), 1, Integer::sum);
        }
        return answers;
    }

    /**
     * One request; a connection reset before any answer is tried again on a new connection (up to three
     * times): Caddy swaps its listeners on every config load, and a connection accepted by the old one in
     * that instant is reset (seen under load in CI). Which upstream answers is still what is counted.
     */
    private static String get(int port) {
        for (int attempt = 1; ; attempt++) {
            try {
                return getOnce(port);
            } catch (UncheckedIOException e) {
                if (attempt == 3 || !(e.getCause() instanceof java.net.SocketException se)
                        || !String.valueOf(se.getMessage()).contains("reset")) {
                    throw e;
                }
            }
        }
    }

    private static String getOnce(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int body = reply.indexOf("\r\n\r\n");
            String status = reply.isEmpty() ? "(empty)" : reply.substring(0, reply.indexOf('\r') < 0 ? reply.length() : reply.indexOf('\r'));
            if (!status.contains(" 200 ") || body < 0) {
                return "error: " + status;
            }
            return reply.substring(body + 4).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("request through the LB on port " + port + " failed", e);
        }
    }
}
