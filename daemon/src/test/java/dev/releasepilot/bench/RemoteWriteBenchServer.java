package dev.releasepilot.bench;

import dev.releasepilot.ingest.RemoteWriteReceiver;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * Our remote_write receiver alone in its own JVM, so its memory can be measured like Prometheus'
 * (the benchmark starts it). One receiver per event loop, all into one {@link BoundedMapSink}.
 * Usage: {@code RemoteWriteBenchServer <port> <event loops> <max series>}; prints {@code LISTENING}
 * when ready, serves {@code GET /bench/stats}, and exits when stdin closes.
 */
public final class RemoteWriteBenchServer {
    private RemoteWriteBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        BoundedMapSink sink = new BoundedMapSink(Integer.parseInt(args[2]));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                Router router = Router.router(vertx);
                new RemoteWriteReceiver(sink, registry, 4 * 1024 * 1024, RemoteWriteReceiver.DEFAULT_UNCOMPRESSED_LIMIT)
                        .mount(router);
                router.get("/bench/stats").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("accepted", sink.accepted()).put("series", sink.series()).encode()));
                return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
            }
        }, new DeploymentOptions().setInstances(loops)).await(30, TimeUnit.SECONDS);
        System.out.println("LISTENING " + port);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the benchmark closes our stdin to stop us
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
