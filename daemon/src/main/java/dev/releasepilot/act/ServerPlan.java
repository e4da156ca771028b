package dev.releasepilot.act;

import dev.releasepilot.rules.backend.WeightedServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured servers of a backend whose weights Release Pilot writes, and the weights each command
 * asks for: a restore gives every server its configured weight, a rollback the same with the canary at 0.
 */
public record ServerPlan(List<WeightedServer> stable, List<WeightedServer> canary) {
    public ServerPlan {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    public Map<String, Integer> configured() {
        Map<String, Integer> m = new LinkedHashMap<>();
        stable.forEach(s -> m.put(s.server(), s.weight()));
        canary.forEach(s -> m.put(s.server(), s.weight()));
        return m;
    }

    public Map<String, Integer> rolledBack() {
        Map<String, Integer> m = configured();
        canary.forEach(s -> m.put(s.server(), 0));
        return m;
    }

    /** The weights a changing command wants; a Read wants nothing and is answered by the caller. */
    public Map<String, Integer> target(Command command) {
        if (command instanceof Command.Rollback) {
            return rolledBack();
        }
        if (command instanceof Command.Restore) {
            return configured();
        }
        if (command instanceof Command.Shift shift) {
            return shifted(shift.canaryPercent());
        }
        throw new IllegalArgumentException("a " + command.kind() + " does not change weights");
    }

    /**
     * The weights that give the canary {@code percent} of the traffic: 0 is a rollback, 100 the configured
     * canary weights with the stable servers at 0, and a share in between uniform weights per side
     * ({@link ShareWeights}, up to 256).
     */
    public Map<String, Integer> shifted(int percent) {
        if (percent == 0) {
            return rolledBack();
        }
        Map<String, Integer> m = configured();
        if (percent == 100) {
            stable.forEach(s -> m.put(s.server(), 0));
            return m;
        }
        ShareWeights w = ShareWeights.of(percent, stable.size(), canary.size(), ShareWeights.HAPROXY_MAX);
        stable.forEach(s -> m.put(s.server(), w.stable()));
        canary.forEach(s -> m.put(s.server(), w.canary()));
        return m;
    }

    public int canaryWeight(Map<String, Integer> weights) {
        return canary.stream().mapToInt(s -> weights.getOrDefault(s.server(), 0)).sum();
    }

    public int stableWeight(Map<String, Integer> weights) {
        return stable.stream().mapToInt(s -> weights.getOrDefault(s.server(), 0)).sum();
    }

    /** Read-back weights with the configured weight as {@code initial}; servers the config does not know keep their own. */
    public Weights weights(Map<String, Integer> current) {
        Map<String, Integer> configured = configured();
        Map<String, Integer> initial = new LinkedHashMap<>();
        current.forEach((server, w) -> initial.put(server, configured.getOrDefault(server, w)));
        return new Weights(current, initial);
    }
}
