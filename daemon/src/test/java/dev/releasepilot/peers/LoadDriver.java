package dev.releasepilot.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** A bounded load driver: {@code n} sequential GETs through a frontend, answers counted by status. */
public final class LoadDriver {
    // HTTP/1.1: the JDK client's default h2c upgrade would turn the first request into a tunnel that
    // HAProxy no longer balances or counts per request.
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private LoadDriver() {
    }

    public static Map<Integer, Integer> get(int port, int n) {
        Map<Integer, Integer> byStatus = new TreeMap<>();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/checkout"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        for (int i = 0; i < n; i++) {
            try {
                int status = HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                byStatus.merge(status, 1, Integer::sum);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return byStatus;
    }
}
