package dev.releasepilot.bench;

import dev.releasepilot.ingest.remotewrite.RemoteWriteReceiver;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.TouchListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Our remote_write receiver alone in its own JVM, so its memory can be measured like Prometheus'
 * (the benchmark starts it): one receiver per event loop, all into one real {@link SeriesStore} whose
 * rules select every metric of {@link BenchPayloads} ({@code rate(<metric>[1m]) > 0} each), sized for
 * the payloads' 15 s sample spacing, with no evaluation attached (that is decide's cost, not ingest's).
 * Usage: {@code RemoteWriteBenchServer <port> <event loops> <max series>}; prints {@code LISTENING}
 * when ready, serves {@code GET /bench/stats}, and exits when stdin closes.
 */
public final class RemoteWriteBenchServer {
    /** HTTP connections accepted: the client keeps its 16 alive, so more means reconnects. */
    private static final java.util.concurrent.atomic.AtomicInteger CONNECTIONS = new java.util.concurrent.atomic.AtomicInteger();

    private RemoteWriteBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SeriesStore store = store(BenchPayloads.METRICS, Integer.parseInt(args[2]), registry);
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                Router router = Router.router(vertx);
                new RemoteWriteReceiver(store, registry, 4 * 1024 * 1024, RemoteWriteReceiver.DEFAULT_UNCOMPRESSED_LIMIT)
                        .mount(router);
                router.get("/bench/stats").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(stats(store, registry).encode()));
                return vertx.createHttpServer().connectionHandler(c -> CONNECTIONS.incrementAndGet()).requestHandler(router)
                        .listen(port, "127.0.0.1");
            }
        }, new DeploymentOptions().setInstances(loops)).await(30, TimeUnit.SECONDS);
        System.out.println("LISTENING " + port);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the benchmark closes our stdin to stop us
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /**
     * The store under test: rules {@code rate(<metric>[1m]) > 0} for each of {@code metrics}, limits sized
     * for the payloads' 15 s spacing, no evaluation attached.
     */
    static SeriesStore store(List<String> metrics, int maxSeries, MeterRegistry registry) {
        SelectorIndex.Builder rules = SelectorIndex.builder();
        for (String metric : metrics) {
            try {
                rules.add("bench/" + metric, PromqlParser.parse("rate(" + metric + "[1m]) > 0"));
            } catch (SyntaxError e) {
                throw new IllegalStateException(e);
            }
        }
        StoreLimits limits = new StoreLimits(maxSeries, Duration.ofMinutes(5), Duration.ofSeconds(15),
                Duration.ofSeconds(30), 1024);
        return new SeriesStore(rules.build(), limits, registry, TouchListener.NONE);
    }

    /** Series held, samples received, and samples the store did not keep (any reason). */
    private static JsonObject stats(SeriesStore store, PrometheusMeterRegistry registry) {
        double received = registry.get("release_pilot_signals_received_total").tag("source", "remote_write").counter().count();
        double dropped = registry.find("release_pilot_samples_dropped_total").counters().stream().mapToDouble(Counter::count).sum();
        return new JsonObject().put("connections", CONNECTIONS.get()).put("series", store.activeSeries()).put("received", (long) received)
                .put("dropped", (long) dropped);
    }
}
