package dev.releasepilot.cli;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** rollback / pause / resume: one POST each to a running daemon, with the admin token. */
abstract class ControlCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:9095", description = "Daemon URL (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token-file", description = "File holding the admin bearer token (default: $" + ApiClient.TOKEN_ENV + ").")
    Path tokenFile;

    @Option(names = "--reason", defaultValue = "requested from the CLI", description = "Why; goes into the journal.")
    String reason;

    @Parameters(arity = "1", description = "Service name.")
    String service;

    abstract String action();

    @Override
    public Integer call() throws Exception {
        try {
            ApiClient c = new ApiClient(url, tokenFile);
            return ApiClient.print(c.post("/api/v1/services/" + service + "/" + action(),
                    new JsonObject().put("reason", reason).encode()));
        } catch (java.net.ConnectException e) {
            System.err.println("cannot reach the daemon at " + url + ": " + e.getMessage());
            return 2;
        }
    }

    @picocli.CommandLine.Command(name = "rollback", description = "Roll a service back now.")
    static final class Rollback extends ControlCommand {
        String action() {
            return "rollback";
        }
    }

    @picocli.CommandLine.Command(name = "pause", description = "Pause a service's automation.")
    static final class Pause extends ControlCommand {
        String action() {
            return "pause";
        }
    }

    @picocli.CommandLine.Command(name = "resume", description = "Clear ROLLED_BACK or PAUSED.")
    static final class Resume extends ControlCommand {
        String action() {
            return "resume";
        }
    }
}
