package dev.releasepilot.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A background load driver at a steady rate (one request per tick, paced in nanoseconds) through an
 * HTTP frontend, a new connection per request (HTTP/1.0 style, so every request is balanced). Bounded:
 * it stops by itself after {@code maxDuration}. Counts answers by status; 0 counts connection errors.
 */
public final class SteadyLoad implements AutoCloseable {
    private final Thread thread;
    private final Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private volatile boolean stop;

    private SteadyLoad(int port, int perSecond, Duration maxDuration) {
        long periodNanos = 1_000_000_000L / perSecond;
        long deadline = System.nanoTime() + maxDuration.toNanos();
        thread = new Thread(() -> {
            long next = System.nanoTime();
            while (!stop && System.nanoTime() < deadline) {
                byStatus.computeIfAbsent(request(port), k -> new AtomicLong()).incrementAndGet();
                next += periodNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the load, not waiting for a test condition
                } else {
                    next = System.nanoTime(); // fell behind: do not burst to catch up
                }
            }
        }, "steady-load");
        thread.setDaemon(true);
        thread.start();
    }

    public static SteadyLoad start(int port, int perSecond, Duration maxDuration) {
        return new SteadyLoad(port, perSecond, maxDuration);
    }

    private static int request(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("GET /checkout HTTP/1.0\r\nHost: checkout\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = in.readNBytes(head, 0, 12);
            in.readAllBytes();
            return n == 12 ? Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII)) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    public long count(int status) {
        AtomicLong c = byStatus.get(status);
        return c == null ? 0 : c.get();
    }

    public long total() {
        return byStatus.values().stream().mapToLong(AtomicLong::get).sum();
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
