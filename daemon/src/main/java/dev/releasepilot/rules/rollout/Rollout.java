package dev.releasepilot.rules.rollout;

import java.time.Duration;
import java.util.List;

/**
 * A service's progressive-delivery plan ({@code rollout:}): the canary's share of traffic step by step,
 * each step held while its gates pass, or a blue-green switch.
 *
 * @param steps    canary: ascending shares ending at 100; blue_green: one step of 100 whose hold and
 *                 gates are the checks on the idle colour before the switch
 * @param keepWarm blue_green only: how long the old colour stays ready to take traffic back after the
 *                 switch; {@link Duration#ZERO} for canary
 */
public record Rollout(Strategy strategy, List<RolloutStep> steps, Duration keepWarm) {
    public Rollout {
        steps = List.copyOf(steps);
    }

    public enum Strategy {
        CANARY, BLUE_GREEN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
