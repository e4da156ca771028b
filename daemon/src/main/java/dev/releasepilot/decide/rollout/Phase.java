package dev.releasepilot.decide.rollout;

import dev.releasepilot.rules.rollout.Rollout;
import dev.releasepilot.rules.rollout.RolloutStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One step as the engine walks it. A canary plan's phases are its steps. A blue-green plan has two: the
 * checks on the idle colour (weight 0, the step's hold and gates), then the switch (weight 100) held for
 * {@code keep_warm} with no gates, during which any trigger switches back.
 *
 * @param warm the blue-green keep-warm phase
 */
public record Phase(int weight, Duration hold, Duration maxHold, List<String> gates, boolean warm) {
    public Phase {
        gates = List.copyOf(gates);
    }

    public static List<Phase> of(Rollout plan) {
        List<Phase> out = new ArrayList<>();
        if (plan.strategy() == Rollout.Strategy.BLUE_GREEN) {
            RolloutStep checks = plan.steps().get(0);
            out.add(new Phase(0, checks.hold(), checks.maxHold(), checks.gates(), false));
            out.add(new Phase(100, plan.keepWarm(), Duration.ZERO, List.of(), true));
            return out;
        }
        for (RolloutStep s : plan.steps()) {
            out.add(new Phase(s.weight(), s.hold(), s.maxHold(), s.gates(), false));
        }
        return out;
    }
}
