package dev.releasepilot.rules;

import java.util.List;
import java.util.Optional;

/** The immutable result of loading a rule file: what the daemon runs on until the next reload. */
public record RuleSet(List<ServiceRule> services) {
    public RuleSet {
        services = List.copyOf(services);
    }

    public Optional<ServiceRule> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
