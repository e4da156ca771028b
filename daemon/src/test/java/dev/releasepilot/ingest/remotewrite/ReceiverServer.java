package dev.releasepilot.ingest.remotewrite;

import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/** The remote_write receiver on an in-process Vert.x HTTP server on a free loopback port. */
final class ReceiverServer implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final HttpServer server;

    ReceiverServer(SampleSink sink, long bodyLimit, int uncompressedLimit) throws Exception {
        Router router = Router.router(vertx);
        new RemoteWriteReceiver(sink, registry, bodyLimit, uncompressedLimit).mount(router);
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort() + RemoteWriteReceiver.PATH;
    }

    double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
