package dev.releasepilot.it;

import dev.releasepilot.ingest.remotewrite.WriteRequestBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes {@link CanaryTraces.Point}s to a daemon's remote_write receiver (snappy protobuf, as
 * Prometheus 2.42 sends). Every request must be answered 204, or the feed fails the test.
 */
final class RemoteWriteFeed {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;

    RemoteWriteFeed(int port) {
        this.uri = URI.create("http://127.0.0.1:" + port + "/api/v1/write");
    }

    /** One request carrying all of {@code points}, on one connection; returns once answered. */
    void write(List<CanaryTraces.Point> points) {
        writeAll(List.of(points));
    }

    /**
     * One request per non-empty list, all in flight at once (the client opens a connection per
     * request in flight); returns once every one is answered.
     */
    void writeAll(List<List<CanaryTraces.Point>> requests) {
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (List<CanaryTraces.Point> r : requests) {
            if (!r.isEmpty()) {
                inFlight.add(http.sendAsync(request(r), HttpResponse.BodyHandlers.ofString()));
            }
        }
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            HttpResponse<String> resp;
            try {
                resp = f.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while writing samples", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new UncheckedIOException(new IOException("remote_write request failed: " + e, e));
            }
            if (resp.statusCode() != 204) {
                throw new AssertionError("remote_write answered " + resp.statusCode() + ": " + resp.body());
            }
        }
    }

    /**
     * The points shuffled with {@code random} and cut at random places into {@code parts} requests,
     * so each service's series land in different requests, in a different order, on every seed.
     */
    static List<List<CanaryTraces.Point>> split(List<CanaryTraces.Point> points, int parts, Random random) {
        List<CanaryTraces.Point> shuffled = new ArrayList<>(points);
        Collections.shuffle(shuffled, random);
        int[] cuts = new int[parts + 1];
        cuts[parts] = shuffled.size();
        for (int i = 1; i < parts; i++) {
            cuts[i] = random.nextInt(shuffled.size() + 1);
        }
        java.util.Arrays.sort(cuts);
        List<List<CanaryTraces.Point>> out = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            out.add(shuffled.subList(cuts[i], cuts[i + 1]));
        }
        return out;
    }

    private HttpRequest request(List<CanaryTraces.Point> points) {
        WriteRequestBuilder b = new WriteRequestBuilder();
        for (CanaryTraces.Point p : points) {
            b.sample(p.timestampMs(), p.value(), p.labels());
        }
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(b.snappy())).build();
    }
}
