package dev.releasepilot.cli;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Asks a running daemon whether it is ready ({@code GET /-/ready}); the container image's HEALTHCHECK
 * and scripts use it. Exit codes: 0 ready, 1 up but not ready, 2 not reachable.
 */
@Command(name = "health", description = "Exit 0 when the daemon is up and ready, 1 when not ready, 2 when unreachable.")
final class HealthCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:9095", description = "Daemon URL (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--timeout", defaultValue = "2s", description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).",
            converter = DurationConverter.class)
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        try {
            HttpResponse<String> r = new ApiClient(url, null).get("/-/ready", timeout);
            if (r.statusCode() == 200) {
                System.out.println("ready");
                return 0;
            }
            System.err.println("not ready (HTTP " + r.statusCode() + "): " + r.body().strip());
            return 1;
        } catch (IOException e) {
            System.err.println("cannot reach the daemon at " + url + ": " + e);
            return 2;
        }
    }
}
