package dev.releasepilot.act;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one judgement every actuator makes before draining a canary: can at least one stable server
 * serve once the rollback's weights are written? A server can when its weight after the change is
 * above 0 and, where the LB reports health, it is up (see {@link ServerHealth#up()} per kind). A server
 * the LB reports nothing about is judged by its weight alone, so LBs without health reports proceed
 * as before. Pure.
 */
public final class StableGuard {
    private StableGuard() {
    }

    /**
     * @param health  what the LB reported before the change, per server (may lack some or all)
     * @param targets the weights the rollback will write, per stable server
     */
    public static boolean canServe(Map<String, ServerHealth> health, Map<String, Integer> targets, List<String> stable) {
        return stable.stream().anyMatch(s -> targets.getOrDefault(s, 0) > 0
                && (!health.containsKey(s) || health.get(s).up()));
    }

    /** "stable1 MAINT weight 90, stable2 DOWN weight 0": the evidence in a message. */
    public static String describe(Weights w, List<String> servers) {
        List<String> parts = new ArrayList<>();
        for (String s : servers) {
            ServerHealth h = w.health().get(s);
            Integer weight = w.current().get(s);
            parts.add(s + (h == null ? "" : " " + h.state()) + (weight == null ? "" : " weight " + weight));
        }
        return String.join(", ", parts);
    }
}
