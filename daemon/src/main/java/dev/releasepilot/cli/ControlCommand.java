package dev.releasepilot.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** rollback / pause / resume / promote / abort: one POST each to a running daemon, with the admin token. */
abstract class ControlCommand implements Callable<Integer> {
    @Mixin
    DaemonOptions daemon;

    @Option(names = "--reason", defaultValue = "requested from the CLI", description = "Why; goes into the journal.")
    String reason;

    @Parameters(arity = "1", description = "Service name.")
    String service;

    abstract String action();

    @Override
    public Integer call() throws Exception {
        return daemon.call(c -> ApiClient.print(c.post("/api/v1/services/" + service + "/" + action(),
                new JsonObject().put("reason", reason).encode())));
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

    @picocli.CommandLine.Command(name = "promote", description = "Skip the rest of the current rollout step's hold.")
    static final class Promote extends ControlCommand {
        String action() {
            return "promote";
        }
    }

    @picocli.CommandLine.Command(name = "abort", description = "Roll the release in progress back and end it.")
    static final class Abort extends ControlCommand {
        String action() {
            return "abort";
        }
    }
}
