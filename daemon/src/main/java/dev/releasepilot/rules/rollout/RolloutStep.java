package dev.releasepilot.rules.rollout;

import java.time.Duration;
import java.util.List;

/**
 * One step of a plan.
 *
 * @param weight  the canary's share of the service's traffic, percent (1..100)
 * @param hold    how long every gate must pass (accumulated; NO_DATA does not count) before the next step
 * @param maxHold after this long at the step without completing its hold the release pauses and
 *                notifies; {@link Duration#ZERO}: no limit
 * @param gates   names of the service's triggers that must pass while the step holds
 */
public record RolloutStep(int weight, Duration hold, Duration maxHold, List<String> gates) {
    public RolloutStep {
        gates = List.copyOf(gates);
    }
}
