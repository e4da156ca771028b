package dev.releasepilot.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that talks to a running daemon shares (a picocli mixin). */
final class DaemonOptions {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:9095", description = "Daemon URL (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token-file", description = "File holding the bearer token (default: $" + ApiClient.TOKEN_ENV + ").")
    Path tokenFile;

    /** Runs {@code call} against the daemon; exit code 2 with one line when it cannot be reached. */
    int call(ApiCall call) throws Exception {
        try {
            return call.run(new ApiClient(url, tokenFile));
        } catch (java.net.ConnectException e) {
            System.err.println("cannot reach the daemon at " + url + ": " + e.getMessage());
            return 2;
        }
    }

    /** One command's conversation with the daemon. */
    @FunctionalInterface
    interface ApiCall {
        int run(ApiClient client) throws Exception;
    }
}
