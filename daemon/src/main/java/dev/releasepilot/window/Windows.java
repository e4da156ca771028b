package dev.releasepilot.window;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import java.util.HashMap;
import java.util.Map;

/**
 * The evaluation state one owner keeps between instants: per range-function call, the running window
 * of every series it selects ({@link RangeWindows}), and per aggregation the group key of each element
 * seen (so a step does not rebuild 100,000 label sets to group them). One per trigger: two triggers
 * evaluated at different instants would otherwise move one shared window back and forth.
 *
 * <p>Single owner, like the {@link Evaluator} that fills it: use it only on the evaluator's thread.
 */
public final class Windows {
    private final Map<RangeFunctionCall, RangeWindows> ranges = new HashMap<>();
    private final Map<Aggregation, Grouping.Keys> groupKeys = new HashMap<>();

    RangeWindows range(RangeFunctionCall call) {
        return ranges.computeIfAbsent(call, RangeWindows::new);
    }

    /**
     * The group keys of an aggregation, by the identity of its elements' labels: a range function's
     * result labels are one object per series for as long as the series lives, so the lookup costs an
     * identity hash. {@link Grouping} empties it when it holds far more keys than the aggregation saw
     * (series gone).
     */
    Grouping.Keys groupKeys(Aggregation a) {
        return groupKeys.computeIfAbsent(a, x -> new Grouping.Keys());
    }
}
