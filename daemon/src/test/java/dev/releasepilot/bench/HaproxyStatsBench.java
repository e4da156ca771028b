package dev.releasepilot.bench;

import dev.releasepilot.act.haproxy.HaproxyRuntimeClient;
import dev.releasepilot.ingest.haproxy.StatsPollProbe;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.LoadDriver;
import dev.releasepilot.peers.StatusServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Cost of one HAProxy stats poll against a real HAProxy 2.6 whose be_checkout has 2, 20 and 200 servers,
 * side by side in one run:
 * <ul>
 *   <li><b>interactive</b>: the poller's path — one persistent CLI connection in interactive mode,
 *       {@code show info;show stat be_checkout 6 -1}, answer read into a reused byte array and translated
 *       to promex samples (every metric wanted, and only http_responses_total wanted, as a typical rule);</li>
 *   <li><b>one-shot</b>: the same commands in non-interactive mode, a new TCP connection per poll
 *       (act.HaproxyRuntimeClient), answer decoded to a String, same translation;</li>
 *   <li><b>promex scrape</b>: HAProxy's own exporter, {@code GET /metrics?scope=backend&scope=server} over
 *       one keep-alive connection: what a Prometheus scrape costs before Prometheus parses it.</li>
 * </ul>
 * Per poll: round trip (command sent → answer complete), translation time, bytes read, bytes allocated on
 * the polling thread (com.sun.management.ThreadMXBean), samples produced, and HAProxy worker CPU per poll
 * (from /proc, utime+stime over all polls). Polls run back to back (no interval), one in flight.
 *
 * <p>Run: {@code k6/bench.sh HaproxyStatsBench [polls]}
 */
public final class HaproxyStatsBench {
    private static final Predicate<String> ALL = n -> true;
    private static final Predicate<String> RESPONSES = n -> n.equals("haproxy_server_http_responses_total");

    public static void main(String[] args) throws Exception {
        int polls = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int warmup = Math.max(200, polls / 5);
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("rp-stats-bench");
        List<String[]> rows = new ArrayList<>();
        try (StatusServer upstream = StatusServer.start(vertx, 200)) {
            for (int servers : new int[] {2, 20, 200}) {
                List<String> lines = new ArrayList<>();
                for (int i = 1; i <= servers; i++) {
                    lines.add("server s" + i + " 127.0.0.1:" + upstream.port + " weight 1");
                }
                try (Haproxy haproxy = new Haproxy(dir.resolve("haproxy-" + servers), lines, true).start()) {
                    LoadDriver.get(haproxy.frontendPort, servers * 3); // non-zero counters everywhere
                    rows.addAll(measure(vertx, haproxy, servers, polls, warmup));
                }
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        String[] head = {"servers", "path", "rtt p50 ms", "rtt p99 ms", "parse p50 µs", "bytes/poll", "alloc B/poll",
            "parse alloc B/server", "samples/poll", "haproxy cpu µs/poll"};
        print(head, rows);
    }

    private static List<String[]> measure(Vertx vertx, Haproxy haproxy, int servers, int polls, int warmup) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        NetClient net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
        List<String[]> rows = new ArrayList<>();
        StatsPollProbe probe = new StatsPollProbe(vertx, net, haproxy.address(), List.of("be_checkout"));
        on(ctx, probe::connect);
        for (Predicate<String> wants : List.of(ALL, RESPONSES)) {
            String path = wants == ALL ? "interactive, all metrics" : "interactive, http_responses only";
            rows.add(run(haproxy, servers, path, polls, warmup, () -> on(ctx, () -> probe.poll(wants))));
        }
        probe.close();

        HaproxyRuntimeClient oneShot = new HaproxyRuntimeClient(vertx, haproxy.address(), false, Duration.ofSeconds(2));
        StatsPollProbe translator = new StatsPollProbe(vertx, net, haproxy.address(), List.of("be_checkout"));
        List<String> commands = List.of("show info", "show stat be_checkout 6 -1");
        rows.add(run(haproxy, servers, "one-shot connection, all metrics", polls, warmup, () -> on(ctx, () -> {
            long a0 = StatsPollProbe.allocatedBytes();
            long t0 = System.nanoTime();
            return oneShot.execute(commands).map(reply -> {
                long t1 = System.nanoTime();
                long a1 = StatsPollProbe.allocatedBytes();
                int samples = translator.translate(reply, ALL);
                long t2 = System.nanoTime();
                long a2 = StatsPollProbe.allocatedBytes();
                return new StatsPollProbe.Cost(t1 - t0, t2 - t1, a2 - a0, a2 - a1, reply.length(), samples);
            });
        })));
        oneShot.close();

        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1));
        String uri = "http://127.0.0.1:" + haproxy.promexPort + "/metrics?scope=backend&scope=server";
        rows.add(run(haproxy, servers, "promex scrape (not parsed)", polls, warmup, () -> on(ctx, () -> {
            long a0 = StatsPollProbe.allocatedBytes();
            long t0 = System.nanoTime();
            return http.request(HttpMethod.GET, haproxy.promexPort, "127.0.0.1", uri.substring(uri.indexOf("/metrics")))
                    .compose(r -> r.send().compose(resp -> resp.body())).map((Buffer body) -> new StatsPollProbe.Cost(
                            System.nanoTime() - t0, 0, StatsPollProbe.allocatedBytes() - a0, 0, body.length(), 0));
        })));
        http.close();
        net.close();
        return rows;
    }

    private static String[] run(Haproxy haproxy, int servers, String path, int polls, int warmup,
                                Supplier<StatsPollProbe.Cost> poll) throws Exception {
        for (int i = 0; i < warmup; i++) {
            poll.get();
        }
        long pid = Long.parseLong(haproxy.workerPid().replace("Pid:", "").strip());
        long cpu0 = cpuTicks(pid);
        double[] rtt = new double[polls];
        double[] parse = new double[polls];
        long bytes = 0;
        long alloc = 0;
        long parseAlloc = 0;
        long samples = 0;
        for (int i = 0; i < polls; i++) {
            StatsPollProbe.Cost c = poll.get();
            rtt[i] = c.roundTripNanos() / 1e6;
            parse[i] = c.parseNanos() / 1e3;
            bytes += c.bytesRead();
            alloc += c.allocBytes();
            parseAlloc += c.parseAllocBytes();
            samples += c.samples();
        }
        long cpuTicks = cpuTicks(pid) - cpu0;
        double cpuMicrosPerPoll = cpuTicks * 1e6 / 100.0 / polls; // USER_HZ is 100 on Linux
        boolean parsed = parse[polls / 2] > 0 || samples > 0;
        return new String[] {Integer.toString(servers), path, fmt(pct(rtt, 50)), fmt(pct(rtt, 99)),
            parsed ? fmt(pct(parse, 50)) : "-", Long.toString(bytes / polls), Long.toString(alloc / polls),
            parsed ? Long.toString(parseAlloc / polls / servers) : "-", Long.toString(samples / polls),
            String.format(Locale.ROOT, "%.0f", cpuMicrosPerPoll)};
    }

    /** Runs {@code op} on the context and waits for it: the bench thread only waits, the event loop works. */
    private static <T> T on(Context ctx, Supplier<Future<T>> op) {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> op.get().onComplete(p));
        try {
            return p.future().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15 of the whole line)
    }

    private static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static void print(String[] head, List<String[]> rows) {
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, head, w);
        sb.append('|');
        for (int x : w) {
            sb.append("-".repeat(x + 2)).append('|');
        }
        sb.append('\n');
        rows.forEach(r -> line(sb, r, w));
        System.out.print(sb);
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        sb.append('|');
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            sb.append(' ').append(i <= 1 ? c + " ".repeat(w[i] - c.length()) : " ".repeat(w[i] - c.length()) + c).append(" |");
        }
        sb.append('\n');
    }
}
