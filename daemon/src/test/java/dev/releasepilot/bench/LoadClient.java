package dev.releasepilot.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends pre-built remote_write bodies the way Prometheus' shards do: one stream of requests per
 * shard, each shard's requests one after another (the next leaves when the previous is answered), all
 * shards at once over keep-alive connections. The same client drives both receivers.
 */
final class LoadClient implements AutoCloseable {
    /**
     * Wall time of a run, how many responses had each status (-1: no response) and the first error
     * answer's body. Anything but 2xx means the receiver did not take those samples.
     */
    record Result(long nanos, Map<Integer, Integer> statuses, String firstError) {
        int non2xx() {
            return statuses.entrySet().stream().filter(e -> e.getKey() / 100 != 2).mapToInt(Map.Entry::getValue).sum();
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final RequestOptions target;

    LoadClient(Vertx vertx, int port, int connections) {
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(connections));
        this.target = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI("/api/v1/write")
                .putHeader("Content-Type", "application/x-protobuf")
                .putHeader("Content-Encoding", "snappy")
                .putHeader("X-Prometheus-Remote-Write-Version", "0.1.0")
                .putHeader("User-Agent", "release-pilot-bench");
    }

    /** Sends every shard's requests, each shard in order, and waits for every answer. */
    Result send(List<List<byte[]>> shards) throws Exception {
        List<Buffer[]> streams = shards.stream().map(l -> l.stream().map(Buffer::buffer).toArray(Buffer[]::new)).toList();
        CompletableFuture<Result> done = new CompletableFuture<>();
        vertx.runOnContext(v -> new Run(streams, done).start());
        return done.get(30, TimeUnit.MINUTES);
    }

    /** One pass; all of its state lives on the client's event loop. */
    private final class Run {
        private final List<Buffer[]> streams;
        private final CompletableFuture<Result> done;
        private final Map<Integer, Integer> statuses = new TreeMap<>();
        private String firstError;
        private int running;
        private long start;

        Run(List<Buffer[]> streams, CompletableFuture<Result> done) {
            this.streams = streams;
            this.done = done;
        }

        void start() {
            start = System.nanoTime();
            for (Buffer[] stream : streams) {
                if (stream.length > 0) {
                    running++;
                    send(stream, 0);
                }
            }
            if (running == 0) {
                done.complete(new Result(0, statuses, null));
            }
        }

        private void send(Buffer[] stream, int i) {
            client.request(target)
                    .compose(req -> req.send(stream[i]))
                    .compose(resp -> resp.body().map(b -> {
                        if (resp.statusCode() / 100 != 2 && firstError == null) {
                            firstError = resp.statusCode() + " " + b.toString().strip();
                        }
                        return resp.statusCode();
                    }))
                    .onComplete(ar -> {
                        statuses.merge(ar.succeeded() ? ar.result() : -1, 1, Integer::sum);
                        if (ar.failed() && firstError == null) {
                            firstError = String.valueOf(ar.cause());
                        }
                        if (i + 1 < stream.length) {
                            send(stream, i + 1);
                        } else if (--running == 0) {
                            done.complete(new Result(System.nanoTime() - start, statuses, firstError));
                        }
                    });
        }
    }

    @Override
    public void close() throws Exception {
        client.close().await(10, TimeUnit.SECONDS);
    }
}
