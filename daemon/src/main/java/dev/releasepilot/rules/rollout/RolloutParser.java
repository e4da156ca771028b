package dev.releasepilot.rules.rollout;

import dev.releasepilot.rules.YamlNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Parses a service's {@code rollout:} strictly: unknown keys, bad shares and gates that name no trigger
 * are reported with their file:line:column, all of them in one pass.
 */
public final class RolloutParser {
    private static final Set<String> ROLLOUT = new LinkedHashSet<>(List.of("strategy", "steps", "keep_warm"));
    private static final Set<String> STEP = new LinkedHashSet<>(List.of("weight", "hold", "max_hold", "gates"));

    private RolloutParser() {
    }

    /** @param triggers the service's trigger names (gates must name one); null after reporting a problem */
    public static Rollout parse(YamlNodes y, Node n, Set<String> triggers) {
        int before = y.errorCount();
        Map<String, Node> m = y.mapping(n, "rollout", ROLLOUT);
        if (m == null) {
            return null;
        }
        Rollout.Strategy strategy = Rollout.Strategy.CANARY;
        if (m.containsKey("strategy")) {
            String s = y.string(m.get("strategy"), "strategy");
            if ("canary".equals(s)) {
                strategy = Rollout.Strategy.CANARY;
            } else if ("blue_green".equals(s)) {
                strategy = Rollout.Strategy.BLUE_GREEN;
            } else if (s != null) {
                y.error(m.get("strategy"), "strategy must be one of canary, blue_green (got '" + s + "')");
            }
        }
        List<RolloutStep> steps = new ArrayList<>();
        List<Node> stepNodes = new ArrayList<>();
        if (!m.containsKey("steps")) {
            y.error(n, "rollout is missing required key 'steps'");
        } else {
            for (Node s : y.sequence(m.get("steps"), "steps")) {
                RolloutStep step = step(y, s, triggers);
                if (step != null) {
                    steps.add(step);
                    stepNodes.add(s);
                }
            }
            if (y.errorCount() == before && steps.isEmpty()) {
                y.error(m.get("steps"), "steps must hold at least one step");
            }
        }
        Duration keepWarm = m.containsKey("keep_warm") ? y.duration(m.get("keep_warm"), "keep_warm") : Duration.ZERO;
        if (y.errorCount() > before) {
            return null;
        }
        if (strategy == Rollout.Strategy.CANARY) {
            if (m.containsKey("keep_warm")) {
                y.error(m.get("keep_warm"), "keep_warm applies to strategy: blue_green only");
            }
            for (int i = 1; i < steps.size(); i++) {
                if (steps.get(i).weight() <= steps.get(i - 1).weight()) {
                    y.error(YamlNodes.peek(stepNodes.get(i), "weight"), "step weights must ascend: " + steps.get(i).weight()
                            + " follows " + steps.get(i - 1).weight());
                }
            }
            if (steps.get(steps.size() - 1).weight() != 100) {
                y.error(YamlNodes.peek(stepNodes.get(steps.size() - 1), "weight"),
                        "the last step must have weight 100 (the release completes there)");
            }
        } else {
            if (steps.size() != 1 || steps.get(0).weight() != 100) {
                y.error(m.get("steps"), "a blue_green rollout has exactly one step, of weight 100: its hold and gates "
                        + "are the checks on the idle colour before all traffic switches");
            }
            if (!m.containsKey("keep_warm")) {
                y.error(n, "a blue_green rollout needs 'keep_warm' (how long the old colour stays ready to take traffic back)");
            }
        }
        return y.errorCount() > before ? null : new Rollout(strategy, steps, keepWarm == null ? Duration.ZERO : keepWarm);
    }

    private static RolloutStep step(YamlNodes y, Node n, Set<String> triggers) {
        int before = y.errorCount();
        Map<String, Node> m = y.mapping(n, "a rollout step", STEP);
        if (m == null) {
            return null;
        }
        Integer weight = null;
        if (!m.containsKey("weight")) {
            y.error(n, "a rollout step is missing required key 'weight'");
        } else {
            weight = y.intInRange(m.get("weight"), "weight (the canary's share in percent)", 1, 100);
        }
        Duration hold = m.containsKey("hold") ? y.duration(m.get("hold"), "hold") : Duration.ZERO;
        Duration maxHold = m.containsKey("max_hold") ? y.duration(m.get("max_hold"), "max_hold") : Duration.ZERO;
        if (hold != null && maxHold != null && m.containsKey("max_hold") && maxHold.compareTo(hold) <= 0) {
            y.error(m.get("max_hold"), "max_hold (" + maxHold.toMillis() + "ms) must be longer than hold ("
                    + hold.toMillis() + "ms)");
        }
        List<String> gates = new ArrayList<>();
        if (m.containsKey("gates")) {
            Set<String> seen = new LinkedHashSet<>();
            for (Node g : y.sequence(m.get("gates"), "gates")) {
                String name = y.string(g, "a gate");
                if (name == null) {
                    continue;
                }
                if (!triggers.contains(name)) {
                    y.error(g, "gate '" + name + "' names no trigger of this service"
                            + (triggers.isEmpty() ? "" : " (triggers: " + String.join(", ", triggers) + ")"));
                } else if (!seen.add(name)) {
                    y.error(g, "gate '" + name + "' is listed twice");
                } else {
                    gates.add(name);
                }
            }
        }
        if (y.errorCount() > before) {
            return null;
        }
        return new RolloutStep(weight, hold, maxHold, gates);
    }
}
