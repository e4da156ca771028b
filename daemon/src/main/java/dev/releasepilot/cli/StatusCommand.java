package dev.releasepilot.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Shows one service, or all, from a running daemon. */
@Command(name = "status", description = "Show the state of the services of a running daemon.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:9095", description = "Daemon URL (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token-file", description = "File holding a read or admin bearer token.")
    Path tokenFile;

    @Parameters(arity = "0..1", description = "Service name (default: all).")
    String service;

    @Override
    public Integer call() throws Exception {
        try {
            ApiClient c = new ApiClient(url, tokenFile);
            return ApiClient.print(c.get(service == null ? "/api/v1/services" : "/api/v1/services/" + service));
        } catch (java.net.ConnectException e) {
            System.err.println("cannot reach the daemon at " + url + ": " + e.getMessage());
            return 2;
        }
    }
}
