package dev.releasepilot.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The CLI's view of a running daemon's HTTP API. Blocking is fine here: this is a one-shot command.
 * The bearer token comes from {@code --token-file}, else from the {@value #TOKEN_ENV} environment
 * variable, else none.
 */
final class ApiClient {
    static final String TOKEN_ENV = "RELEASE_PILOT_TOKEN";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    ApiClient(String base, Path tokenFile) throws IOException {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        String env = System.getenv(TOKEN_ENV);
        this.token = tokenFile != null ? Files.readString(tokenFile, StandardCharsets.UTF_8).strip()
                : env == null || env.isBlank() ? null : env.strip();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, Duration timeout) throws IOException, InterruptedException {
        return http.send(request(path).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** Prints the answer and maps it to an exit code: 0 for 2xx, 1 otherwise. */
    static int print(HttpResponse<String> r) {
        (r.statusCode() / 100 == 2 ? System.out : System.err).println(r.body());
        return r.statusCode() / 100 == 2 ? 0 : 1;
    }
}
