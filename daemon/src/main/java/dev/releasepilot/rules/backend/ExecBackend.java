package dev.releasepilot.rules.backend;

import java.time.Duration;
import java.util.List;

/**
 * A command run directly (never through a shell) for each actuation. Its arguments are templates;
 * the weights also arrive as {@code RP_*} environment variables. Exit 0 means applied; if it prints a
 * JSON object of server → weight on stdout, that is the read-back and must match.
 *
 * @param timeout     the whole run; past it the command's process group is killed
 * @param healthCheck {@code health_check: true}: before a rollback the command also runs with
 *                    {@code ${command}} = {@code health} and prints a JSON object of server to
 *                    {@code true}/{@code "up"} (can serve) or anything else (cannot)
 */
public record ExecBackend(String command, List<Template> args, List<WeightedServer> stable,
                          List<WeightedServer> canary, Duration timeout, boolean healthCheck) implements WeightedBackend {
    public ExecBackend {
        args = List.copyOf(args);
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    /** A command without a health check. */
    public ExecBackend(String command, List<Template> args, List<WeightedServer> stable, List<WeightedServer> canary,
                       Duration timeout) {
        this(command, args, stable, canary, timeout, false);
    }

    @Override
    public String kind() {
        return "exec";
    }
}
