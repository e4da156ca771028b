package dev.releasepilot.decide;

import dev.releasepilot.decide.judge.JudgeVerdict;
import dev.releasepilot.decide.judge.LookSpending;
import dev.releasepilot.decide.judge.StatisticalJudge;
import dev.releasepilot.rules.JudgeTrigger;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.window.Element;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.Outcome;
import dev.releasepilot.window.Value;
import dev.releasepilot.window.Windows;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One judge trigger of one service, on the service's context. Samples move its event time
 * ({@link #touched}); at every block boundary of {@code sample_every} that a newer sample has passed it
 * takes one block (the canary's and the stable track's values, or their failures and totals, over that
 * block) into a ring of the last {@code window}, and at every {@code interval} it looks: runs the test
 * on the ring and feeds the outcome to a {@link ConditionTracker} (no {@code for}: a look is already a
 * judgement over a whole window). {@link #lookNow} is the same look on demand, for a step boundary.
 * Looks are numbered per release (at least one per {@code interval} since the release began, so a restart
 * does not start the count over) and each is tested at its share of the error budget ({@link LookSpending}).
 */
final class JudgeRun {
    private static final Logger LOG = Logger.getLogger(JudgeRun.class.getName());

    final JudgeTrigger trigger;
    private final long everyMs;
    private final long windowMs;
    private final long intervalMs;
    private final int capacity;
    private final ArrayDeque<Block> blocks;
    private final Windows canaryWindows = new Windows();
    private final Windows stableWindows = new Windows();
    private ConditionTracker tracker = new ConditionTracker(Duration.ZERO, Duration.ZERO);
    private long notBeforeMs = Long.MIN_VALUE;
    private long lastBlockMs = Long.MIN_VALUE;
    private long lastLookMs = Long.MIN_VALUE;
    private long lastTouchEventMs = Long.MIN_VALUE;
    private long lastTouchNanos;
    private int tests; // looks that ran a test in this release: the next one is look tests + 1
    private int looks;
    private ConditionStatus status;
    private JudgeVerdict last;
    private String error;

    /** One block's data: values (mann_whitney) or {failures, total} (two_proportion) per side. */
    record Block(long endMs, double[] canary, double[] stable) {
    }

    JudgeRun(JudgeTrigger trigger) {
        this.trigger = trigger;
        this.everyMs = trigger.sampleEvery().toMillis();
        this.windowMs = trigger.window().toMillis();
        this.intervalMs = trigger.interval().toMillis();
        this.capacity = (int) (windowMs / everyMs) + 1;
        this.blocks = new ArrayDeque<>(capacity);
    }

    /** The newest sample time seen, capped just past the host's clock, or MIN_VALUE before any (see ExprTriggerRun). */
    long watermarkMs(long hostNowMs) {
        return lastTouchEventMs == Long.MIN_VALUE ? Long.MIN_VALUE : Math.min(lastTouchEventMs, hostNowMs + HostTime.MAX_AHEAD_MS);
    }

    long releaseStartMs() {
        return notBeforeMs;
    }

    long lastTouchNanos() {
        return lastTouchNanos;
    }

    /** A new release: blocks, looks and state start afresh, counting only samples newer than {@code watermarkMs}. */
    void startRelease(long watermarkMs) {
        notBeforeMs = watermarkMs;
        blocks.clear();
        tests = 0;
        looks = 0;
        tracker = new ConditionTracker(Duration.ZERO, Duration.ZERO);
        status = null;
        last = null;
        lastLookMs = Long.MIN_VALUE;
    }

    /** Samples arrived up to {@code newestMs}: takes the blocks they completed; returns a firing look's verdict, or null. */
    JudgeVerdict touched(Evaluator ev, long newestMs, long nowNanos, long hostNowMs) {
        if (newestMs > lastTouchEventMs) {
            lastTouchEventMs = newestMs;
            lastTouchNanos = nowNanos;
        }
        return advance(ev, Math.min(newestMs, hostNowMs + HostTime.MAX_AHEAD_MS), true);
    }

    /** No samples for {@code silenceNanos}: event time runs on by the wall time since the last, so the blocks empty out. */
    JudgeVerdict silent(Evaluator ev, long nowNanos, long silenceNanos, long hostNowMs) {
        if (lastTouchEventMs == Long.MIN_VALUE || nowNanos - lastTouchNanos < silenceNanos) {
            return null;
        }
        long t = Math.min(lastTouchEventMs + (nowNanos - lastTouchNanos) / 1_000_000, hostNowMs + HostTime.MAX_AHEAD_MS);
        return advance(ev, t, true);
    }

    /**
     * A look now, for a step boundary: takes the blocks completed so far, then tests the window as it
     * stands (counting as a look). With no block since the last look it answers that look's verdict
     * again: the same data would give the same p-value, so it is no new chance of a false alarm and
     * spends nothing. Returns the verdict; {@code fired} receives it when the look fired.
     */
    JudgeVerdict lookNow(Evaluator ev, long hostNowMs, Consumer<JudgeVerdict> fired) {
        JudgeVerdict f = advance(ev, watermarkMs(hostNowMs), true);
        if (f != null) {
            fired.accept(f);
            return f;
        }
        if (lastBlockMs == Long.MIN_VALUE) {
            return new JudgeVerdict(Outcome.NO_DATA, looks, Double.NaN, Double.NaN, Double.NaN,
                    new JudgeVerdict.Side(0, Double.NaN, 0, 0), new JudgeVerdict.Side(0, Double.NaN, 0, 0), "no samples yet");
        }
        if (lastLookMs == lastBlockMs && last != null) {
            return last; // no block since the last look: the same data, the same answer, no budget spent
        }
        JudgeVerdict v = look(lastBlockMs);
        if (status != null && status.fired()) {
            fired.accept(v);
        }
        return v;
    }

    // Every block boundary b with lastBlock < b < upTo (complete: a newer sample arrived), at most one window's worth.
    private JudgeVerdict advance(Evaluator ev, long upToMs, boolean mayLook) {
        if (upToMs == Long.MIN_VALUE) {
            return null;
        }
        long newest = Math.floorDiv(upToMs - 1, everyMs) * everyMs;
        long first = lastBlockMs == Long.MIN_VALUE ? newest : lastBlockMs + everyMs;
        first = Math.max(first, newest - (long) (capacity - 1) * everyMs);
        JudgeVerdict fired = null;
        for (long b = first; b <= newest; b += everyMs) {
            sample(ev, b);
            if (mayLook && (lastLookMs == Long.MIN_VALUE || Math.floorDiv(b, intervalMs) > Math.floorDiv(lastLookMs, intervalMs))) {
                JudgeVerdict v = look(b);
                if (status.fired() && fired == null) {
                    fired = v;
                }
            }
        }
        return fired;
    }

    private void sample(Evaluator ev, long b) {
        lastBlockMs = b;
        while (!blocks.isEmpty() && blocks.peekFirst().endMs() <= b - windowMs) {
            blocks.pollFirst();
        }
        if (notBeforeMs != Long.MIN_VALUE && b - everyMs < notBeforeMs) {
            return; // the block began before the release: its data belongs to the previous version
        }
        try {
            double[] c;
            double[] s;
            if (trigger.canary() instanceof JudgeTrigger.Values cv && trigger.stable() instanceof JudgeTrigger.Values sv) {
                // Only this block's samples: no sample counts in two blocks (overlapping blocks would be
                // correlated samples), and a gauge that stopped reporting gives no value rather than its
                // last one again for the five minutes of PromQL's lookback.
                long from = Math.max(notBeforeMs, b - everyMs);
                c = values(ev.evaluate(cv.values(), b, from, canaryWindows));
                s = values(ev.evaluate(sv.values(), b, from, stableWindows));
            } else {
                JudgeTrigger.Proportion cp = (JudgeTrigger.Proportion) trigger.canary();
                JudgeTrigger.Proportion sp = (JudgeTrigger.Proportion) trigger.stable();
                c = counts(ev, cp.failures(), cp.total(), b, canaryWindows);
                s = counts(ev, sp.failures(), sp.total(), b, stableWindows);
            }
            if (blocks.size() == capacity) {
                blocks.pollFirst();
            }
            blocks.addLast(new Block(b, c, s));
            if (error != null) {
                LOG.info(() -> "judge " + trigger.name() + " samples again");
                error = null;
            }
        } catch (RuntimeException e) {
            if (error == null) {
                LOG.log(Level.WARNING, "judge " + trigger.name() + " failed to sample at " + Instant.ofEpochMilli(b), e);
            }
            error = String.valueOf(e);
        }
    }

    private double[] counts(Evaluator ev, Expr failures, Expr total, long b, Windows w) {
        double n = single(ev.evaluate(total, b, notBeforeMs, w));
        double f = single(ev.evaluate(failures, b, notBeforeMs, w));
        if (Double.isNaN(n)) {
            return new double[0];
        }
        return new double[] {Double.isNaN(f) ? 0 : f, n};
    }

    private static double single(Value v) {
        if (v instanceof Value.InstantVector iv && iv.elements().size() == 1) {
            return iv.elements().get(0).value();
        }
        return Double.NaN;
    }

    private static double[] values(Value v) {
        if (!(v instanceof Value.InstantVector iv)) {
            return new double[0];
        }
        double[] out = new double[iv.elements().size()];
        int n = 0;
        for (Element e : iv.elements()) {
            if (Double.isFinite(e.value())) {
                out[n++] = e.value();
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Tests the blocks of the window ending at t. */
    private JudgeVerdict look(long t) {
        lastLookMs = t;
        looks++;
        if (notBeforeMs != Long.MIN_VALUE) {
            // At least as many looks as intervals have passed since the release began (bar the current
            // one), whether or not this process saw them: the count lives in memory, and a restart must
            // not grant the release a new error budget. Event time, so a replay counts alike.
            long passed = Math.floorDiv(t - notBeforeMs, intervalMs) - 1;
            tests = (int) Math.max(tests, Math.min(passed, Integer.MAX_VALUE / 2));
        }
        double alpha = LookSpending.alpha(1 - trigger.confidence(), tests + 1);
        JudgeVerdict v = verdict(blocks, trigger, alpha, tests + 1);
        if (v.outcome() != Outcome.NO_DATA) {
            tests++; // only a look that tested spends its share of the budget
        }
        last = v;
        status = tracker.observe(t, v.outcome());
        return v;
    }

    /** The test over these blocks; pure, for the benchmark and the tests too. */
    static JudgeVerdict verdict(Iterable<Block> blocks, JudgeTrigger trigger, double alpha, int look) {
        if (trigger.test() == JudgeTrigger.Test.MANN_WHITNEY) {
            double[] c = concat(blocks, true);
            double[] s = concat(blocks, false);
            return StatisticalJudge.mannWhitney(c, s, trigger.direction(), alpha, look, trigger.minSamples(),
                    trigger.tolerance());
        }
        int n = 0;
        for (Block b : blocks) {
            n++;
        }
        long[] cf = new long[n];
        long[] cn = new long[n];
        long[] sf = new long[n];
        long[] sn = new long[n];
        int i = 0;
        for (Block b : blocks) {
            if (b.canary().length == 2) {
                cn[i] = Math.round(Math.max(0, b.canary()[1]));
                cf[i] = Math.min(cn[i], Math.round(Math.max(0, b.canary()[0])));
            }
            if (b.stable().length == 2) {
                sn[i] = Math.round(Math.max(0, b.stable()[1]));
                sf[i] = Math.min(sn[i], Math.round(Math.max(0, b.stable()[0])));
            }
            i++;
        }
        return StatisticalJudge.twoProportion(cf, cn, sf, sn, trigger.direction(), alpha, look, trigger.minSamples());
    }

    private static double[] concat(Iterable<Block> blocks, boolean canary) {
        int n = 0;
        for (Block b : blocks) {
            n += (canary ? b.canary() : b.stable()).length;
        }
        double[] out = new double[n];
        int i = 0;
        for (Block b : blocks) {
            double[] v = canary ? b.canary() : b.stable();
            System.arraycopy(v, 0, out, i, v.length);
            i += v.length;
        }
        return out;
    }

    Evidence evidence(JudgeVerdict v) {
        return new Evidence.Judged(trigger.test().label(), trigger.direction().label(), Instant.ofEpochMilli(lastLookMs),
                v.look(), v.alpha(), finite(v.statistic()), finite(v.pValue()), side(v.canary()), side(v.stable()),
                v.detail());
    }

    private static Evidence.JudgedSide side(JudgeVerdict.Side s) {
        return new Evidence.JudgedSide(s.samples(), finite(s.center()), s.failures(), s.effective());
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    JsonObject view() {
        JsonObject o = new JsonObject().put("kind", "judge").put("test", trigger.test().label())
                .put("direction", trigger.direction().label()).put("confidence", trigger.confidence());
        if (error != null) {
            return o.put("state", ConditionState.ERROR.name()).put("error", error);
        }
        o.put("state", status == null ? ConditionState.NO_DATA.name() : status.state().name());
        o.put("blocks", blocks.size()).put("looks", looks).put("tests", tests);
        if (status != null) {
            o.put("since", Instant.ofEpochMilli(status.sinceMs()).toString())
                    .put("evaluated_at", Instant.ofEpochMilli(lastLookMs).toString());
        } else {
            o.put("detail", notBeforeMs == Long.MIN_VALUE ? "no look yet"
                    : "release started: waiting for blocks after " + Instant.ofEpochMilli(notBeforeMs));
        }
        if (last != null) {
            o.put("evidence", EventCodec.toJson(evidence(last)).getJsonObject("judge"));
        }
        return o;
    }

    /** Whether the last look found the canary worse: the trigger's state as the plan engine's gates read it. */
    ConditionState state() {
        return error != null ? ConditionState.ERROR : status == null ? ConditionState.NO_DATA : status.state();
    }

    /** When (event time) the judge last looked, or null before its first look in this release. */
    Instant evaluatedAt() {
        return status == null ? null : Instant.ofEpochMilli(lastLookMs);
    }

    /**
     * How old the last look may be at a step boundary and still count: two intervals and a block (a
     * look is due every interval once a sample newer than its block's end has arrived).
     */
    Duration freshWithin() {
        return trigger.interval().multipliedBy(2).plus(trigger.sampleEvery());
    }

    /** The judge as a rollout gate reads it, like any other trigger kind. */
    dev.releasepilot.decide.rollout.GateReading gate() {
        return new dev.releasepilot.decide.rollout.GateReading(trigger.name(), state(), evaluatedAt(), freshWithin(), detail());
    }

    /** The last look's sentence (p-value, alpha, both tracks), or why there is none. */
    String detail() {
        return error != null ? error : last == null ? "no look yet" : last.detail();
    }
}
