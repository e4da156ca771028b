package dev.releasepilot.ingest.haproxy;

import dev.releasepilot.window.Sample;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Opens the poller's parts (the interactive connection and the translator) to the benchmark harness in
 * dev.releasepilot.bench, which measures them one poll at a time. Call everything on one Vert.x context.
 */
public final class StatsPollProbe {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What one poll cost, measured on the thread that ran it. */
    public record Cost(long roundTripNanos, long parseNanos, long allocBytes, long parseAllocBytes, long bytesRead,
                       int samples) {
    }

    private final HaproxyCliConnection connection;
    private final StatsTarget target;
    private final Buffer line;
    private final StatsTranslator translator = new StatsTranslator(StatsPollLoop.MAX_TRACKED);
    private long ts;

    public StatsPollProbe(Vertx vertx, NetClient client, String hostPort, List<String> backends) {
        int colon = hostPort.lastIndexOf(':');
        this.connection = new HaproxyCliConnection(vertx, client,
                SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), hostPort.substring(0, colon)));
        this.target = new StatsTarget(hostPort, backends, Duration.ofMillis(250), Duration.ofSeconds(2));
        this.line = Buffer.buffer(target.commandLine());
    }

    /** The command line one poll sends. */
    public String commandLine() {
        return target.commandLine();
    }

    public Future<Void> connect() {
        return connection.connect(2000);
    }

    /** One poll over the persistent interactive connection, as the poller does it. */
    public Future<Cost> poll(Predicate<String> wants) {
        long a0 = THREADS.getCurrentThreadAllocatedBytes();
        long bytes0 = connection.bytesRead();
        long t0 = System.nanoTime();
        return connection.send(line, 1 + target.backends().size(), 2000).map(v -> {
            long t1 = System.nanoTime();
            long a1 = THREADS.getCurrentThreadAllocatedBytes();
            byte[] b = connection.bytes();
            HaproxyInfo.parse(b, connection.answerStart(0), connection.answerEnd(0));
            translator.begin(++ts, wants);
            for (int i = 0; i < target.backends().size(); i++) {
                translator.backend(target.backends().get(i), b, connection.answerStart(i + 1), connection.answerEnd(i + 1));
            }
            List<Sample> samples = translator.finish();
            long t2 = System.nanoTime();
            long a2 = THREADS.getCurrentThreadAllocatedBytes();
            return new Cost(t1 - t0, t2 - t1, a2 - a0, a2 - a1, connection.bytesRead() - bytes0, samples.size());
        });
    }

    /** Translates a whole non-interactive answer (the answers separated by their blank lines) the same way. */
    public int translate(String reply, Predicate<String> wants) {
        byte[] b = reply.getBytes(StandardCharsets.UTF_8);
        translator.begin(++ts, wants);
        int from = 0;
        int backend = -1; // the first answer is show info
        for (int i = 0; i + 1 < b.length && backend < target.backends().size(); i++) {
            if (b[i] == '\n' && b[i + 1] == '\n') {
                if (backend >= 0) {
                    translator.backend(target.backends().get(backend), b, from, i + 1);
                }
                backend++;
                from = i + 2;
                i++;
            }
        }
        return translator.finish().size();
    }

    public static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    public void close() {
        connection.close();
    }
}
