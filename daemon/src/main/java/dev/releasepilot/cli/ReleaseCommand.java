package dev.releasepilot.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code release SERVICE VERSION}: announce a release; with a rollout plan it starts at step 1. */
@Command(name = "release", description = "Announce a new release of a service (starts its rollout plan, if it has one).")
final class ReleaseCommand implements Callable<Integer> {
    @Mixin
    DaemonOptions daemon;

    @Option(names = "--reason", defaultValue = "requested from the CLI", description = "Why; goes into the journal.")
    String reason;

    @Option(names = "--supersede", description = "Replace a release whose rollout is still in progress.")
    boolean supersede;

    @Parameters(index = "0", description = "Service name.")
    String service;

    @Parameters(index = "1", description = "The version now on the canary servers.")
    String version;

    @Override
    public Integer call() throws Exception {
        return daemon.call(c -> ApiClient.print(c.post("/api/v1/services/" + service + "/releases",
                new JsonObject().put("version", version).put("supersede", supersede).put("reason", reason).encode())));
    }
}
