package dev.releasepilot.rules.backend;

import java.time.Duration;
import java.util.List;

/**
 * A command run directly (never through a shell) for each actuation. Its arguments are templates;
 * the weights also arrive as {@code RP_*} environment variables. Exit 0 means applied; if it prints a
 * JSON object of server → weight on stdout, that is the read-back and must match.
 *
 * @param timeout the whole run; past it the command's process group is killed
 */
public record ExecBackend(String command, List<Template> args, List<WeightedServer> stable,
                          List<WeightedServer> canary, Duration timeout) implements WeightedBackend {
    public ExecBackend {
        args = List.copyOf(args);
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    @Override
    public String kind() {
        return "exec";
    }
}
