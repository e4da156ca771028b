package dev.releasepilot.decide;

import dev.releasepilot.decide.judge.JudgeVerdict;
import dev.releasepilot.rules.JudgeTrigger;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import dev.releasepilot.window.Evaluator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The judge triggers of one service, on the service's context: samples move their event time
 * ({@link #touched}), silence lets it run on ({@link #checkSilence}), and a look that finds the canary
 * worse is handed to {@code fired}, the same path an expr trigger's firing takes. A judge reads a few
 * series per block, so its work is done at once rather than in turns.
 *
 * <p>Single owner: every method runs on the service's context (the evaluator checks it).
 */
final class Judges {
    private final Evaluator evaluator;
    private final LongSupplier hostNowMs;
    private final long silenceNanos;
    private final BiConsumer<JudgeRun, JudgeVerdict> fired;
    private Map<String, JudgeRun> runs = Map.of();

    Judges(Evaluator evaluator, ServiceRule rule, LongSupplier hostNowMs, long silenceNanos,
           BiConsumer<JudgeRun, JudgeVerdict> fired) {
        this.evaluator = evaluator;
        this.hostNowMs = hostNowMs;
        this.silenceNanos = silenceNanos;
        this.fired = fired;
        rules(rule);
    }

    /** A reload: an unchanged judge keeps its blocks and looks; a changed one starts afresh within the current release. */
    void rules(ServiceRule rule) {
        Map<String, JudgeRun> out = new LinkedHashMap<>();
        for (Trigger t : rule.triggers()) {
            if (t instanceof JudgeTrigger j) {
                JudgeRun previous = runs.get(j.name());
                if (previous != null && previous.trigger.equals(j)) {
                    out.put(j.name(), previous);
                    continue;
                }
                JudgeRun run = new JudgeRun(j);
                if (previous != null) {
                    run.startRelease(previous.releaseStartMs());
                }
                out.put(j.name(), run);
            }
        }
        runs = Collections.unmodifiableMap(out);
    }

    Map<String, JudgeRun> runs() {
        return runs;
    }

    /** Whether a trigger of this name is a judge (samples for it are routed here). */
    boolean has(String trigger) {
        return runs.containsKey(trigger);
    }

    void touched(String trigger, long newestMs, long arrivedNanos) {
        JudgeRun run = runs.get(trigger);
        if (run != null) {
            report(run, run.touched(evaluator, newestMs, arrivedNanos, hostNowMs.getAsLong()));
        }
    }

    void checkSilence(long nowNanos) {
        for (JudgeRun run : runs.values()) {
            report(run, run.silent(evaluator, nowNanos, silenceNanos, hostNowMs.getAsLong()));
        }
    }

    /**
     * A fresh verdict of one judge now, for a step boundary of a rollout plan: takes the blocks completed
     * so far and looks (one look of the release's budget). A worse canary fires through the same path
     * as a look on the judge's own cadence. Empty when the service has no judge of that name.
     */
    Optional<JudgeVerdict> lookNow(String trigger) {
        JudgeRun run = runs.get(trigger);
        if (run == null) {
            return Optional.empty();
        }
        return Optional.of(run.lookNow(evaluator, hostNowMs.getAsLong(), v -> fired.accept(run, v)));
    }

    /**
     * A judge's state as its last look left it (OK, FIRING, NO_DATA, ERROR): what a rollout gate reads,
     * like an expr trigger's. Empty when the service has no judge of that name.
     */
    Optional<ConditionState> state(String trigger) {
        JudgeRun run = runs.get(trigger);
        return run == null ? Optional.empty() : Optional.of(run.state());
    }

    private void report(JudgeRun run, JudgeVerdict v) {
        if (v != null) {
            fired.accept(run, v);
        }
    }
}
