package dev.releasepilot.app;

import dev.releasepilot.decide.TriggerKey;
import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.JudgeTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.StoreLimits;
import java.time.Duration;
import java.util.List;

/** What the window stage keeps for a rule set: the series every expr trigger selects, and ring sizes. */
final class WindowStage {
    private WindowStage() {
    }

    /** Every expr trigger's condition and requires guard, and every judge's sides, registered under its {@link TriggerKey}. */
    static SelectorIndex index(RuleSet rules) {
        SelectorIndex.Builder b = SelectorIndex.builder();
        for (ServiceRule s : rules.services()) {
            for (Trigger t : s.triggers()) {
                if (t instanceof ExprTrigger e) {
                    String key = TriggerKey.of(s.name(), e.name());
                    b.add(key, e.condition());
                    if (e.requires() != null) {
                        b.add(key, e.requires());
                    }
                } else if (t instanceof JudgeTrigger j) {
                    String key = TriggerKey.of(s.name(), j.name());
                    for (JudgeTrigger.Side side : List.of(j.canary(), j.stable())) {
                        if (side instanceof JudgeTrigger.Values v) {
                            b.add(key, v.values());
                        } else if (side instanceof JudgeTrigger.Proportion p) {
                            b.add(key, p.failures());
                            b.add(key, p.total());
                        }
                    }
                }
            }
        }
        return b.build();
    }

    /**
     * Store limits for the rules: the resolution follows the fastest HAProxy stats poll (default 1 s),
     * so short windows such as {@code [2s]} over 250 ms polls keep every sample. Fixed at start: a
     * reload re-indexes the store but keeps its resolution.
     */
    static StoreLimits limits(RuleSet rules) {
        StoreLimits d = StoreLimits.defaults();
        Duration resolution = d.resolution();
        for (ServiceRule s : rules.services()) {
            if (s.backend() instanceof HaproxyBackend h && !h.statsPoll().isZero()
                    && h.statsPoll().compareTo(resolution) < 0) {
                resolution = h.statsPoll();
            }
        }
        return new StoreLimits(d.maxSeries(), d.staleness(), resolution, d.slack(), d.maxSamplesPerSeries());
    }
}
