package dev.releasepilot.rules;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.AggregationOp;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.promql.RangeFunction;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorSelector;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Parses a trigger's {@code judge:} mapping (docs/rules.md, "Canary versus stable") strictly: unknown
 * keys, a missing side, keys of the other test, and numbers out of range are problems with
 * file:line:column, all of them in one pass.
 */
final class JudgeParser {
    static final double DEFAULT_CONFIDENCE = 0.95;
    static final Duration DEFAULT_WINDOW = Duration.ofMinutes(2);
    static final Duration DEFAULT_SAMPLE_EVERY = Duration.ofSeconds(10);
    static final int DEFAULT_MIN_BLOCKS = 10;
    static final int DEFAULT_MIN_REQUESTS = 200;
    /** Blocks a window may hold: the ring per side is this long at most. */
    static final int MAX_BLOCKS = 1_000;

    private static final Set<String> KEYS = new LinkedHashSet<>(List.of("test", "confidence", "direction", "canary",
            "stable", "canary_errors", "canary_total", "stable_errors", "stable_total", "window", "sample_every",
            "min_samples", "interval", "tolerance"));
    private static final List<String> VALUE_KEYS = List.of("canary", "stable");
    private static final List<String> PROPORTION_KEYS = List.of("canary_errors", "canary_total", "stable_errors",
            "stable_total");

    private JudgeParser() {
    }

    /** The judge, or null after reporting its problems. */
    static JudgeTrigger parse(YamlNodes y, String name, Node n) {
        Map<String, Node> m = y.mapping(n, "judge", KEYS);
        if (m == null) {
            return null;
        }
        boolean ok = true;
        JudgeTrigger.Test test = null;
        if (!m.containsKey("test")) {
            y.error(n, "judge is missing required key 'test' (mann_whitney or two_proportion)");
            ok = false;
        } else {
            test = choice(y, m.get("test"), "test", JudgeTrigger.Test.values());
            ok &= test != null;
        }
        Double confidence = m.containsKey("confidence") ? number(y, m.get("confidence"), "confidence")
                : Double.valueOf(DEFAULT_CONFIDENCE);
        if (confidence != null && !(confidence.doubleValue() > 0.5 && confidence.doubleValue() < 1)) {
            y.error(m.get("confidence"), "confidence must be above 0.5 and below 1 (e.g. 0.98), got " + confidence);
            confidence = null;
        }
        ok &= confidence != null;
        JudgeTrigger.Direction direction = m.containsKey("direction")
                ? choice(y, m.get("direction"), "direction", JudgeTrigger.Direction.values()) : JudgeTrigger.Direction.INCREASE;
        ok &= direction != null;
        Duration window = m.containsKey("window") ? y.duration(m.get("window"), "window") : DEFAULT_WINDOW;
        Duration every = m.containsKey("sample_every") ? y.duration(m.get("sample_every"), "sample_every")
                : DEFAULT_SAMPLE_EVERY;
        if (every != null && every.toMillis() < 100) {
            y.error(m.get("sample_every"), "sample_every must be at least 100ms");
            every = null;
        }
        ok &= window != null && every != null;
        boolean blocksOk = window != null && every != null;
        if (blocksOk) {
            long blocks = window.toMillis() / every.toMillis();
            blocksOk = blocks >= 2 && blocks <= MAX_BLOCKS;
            if (blocks < 2) {
                y.error(m.containsKey("window") ? m.get("window") : n, "window (" + window.toMillis() + "ms) must hold at"
                        + " least 2 blocks of sample_every (" + every.toMillis() + "ms)");
                ok = false;
            } else if (blocks > MAX_BLOCKS) {
                y.error(m.containsKey("window") ? m.get("window") : n, "window holds " + blocks + " blocks of"
                        + " sample_every; at most " + MAX_BLOCKS + " (take a longer sample_every)");
                ok = false;
            }
        }
        Duration interval = m.containsKey("interval") ? y.duration(m.get("interval"), "interval") : window;
        if (m.containsKey("interval") && interval != null && every != null && interval.compareTo(every) < 0) {
            y.error(m.get("interval"), "interval (" + interval.toMillis() + "ms) must not be shorter than sample_every ("
                    + every.toMillis() + "ms): a look in between would see no new block");
            interval = null;
        }
        ok &= interval != null || !m.containsKey("interval");
        Integer minSamples = m.containsKey("min_samples") ? y.positiveInt(m.get("min_samples"), "min_samples")
                : Integer.valueOf(test == JudgeTrigger.Test.TWO_PROPORTION ? DEFAULT_MIN_REQUESTS : DEFAULT_MIN_BLOCKS);
        if (minSamples != null && test == JudgeTrigger.Test.MANN_WHITNEY && blocksOk) {
            if (minSamples < 2) {
                y.error(m.get("min_samples"), "min_samples must be at least 2 for mann_whitney");
                minSamples = null;
            } else if (minSamples > window.toMillis() / every.toMillis()) {
                y.error(m.containsKey("min_samples") ? m.get("min_samples") : n, "min_samples (" + minSamples
                        + ") is more than the window's " + window.toMillis() / every.toMillis() + " blocks of sample_every:"
                        + " the judge could never have data");
                minSamples = null;
            }
        }
        ok &= minSamples != null;
        Double tolerance = m.containsKey("tolerance") ? number(y, m.get("tolerance"), "tolerance") : Double.valueOf(0);
        if (tolerance != null && m.containsKey("tolerance")) {
            if (test == JudgeTrigger.Test.TWO_PROPORTION) { // an unknown test is its own error already
                y.error(m.get("tolerance"), "tolerance applies to mann_whitney only");
                tolerance = null;
            } else if (!(tolerance.doubleValue() >= 0 && tolerance.doubleValue() < 10)) {
                y.error(m.get("tolerance"), "tolerance is a fraction of stable's median, from 0 (e.g. 0.1 for 10 %), got "
                        + tolerance);
                tolerance = null;
            } else if (tolerance.doubleValue() > 0 && direction == JudgeTrigger.Direction.EITHER) {
                y.error(m.get("tolerance"), "tolerance needs direction increase or decrease: it shifts the test one way");
                tolerance = null;
            }
        }
        ok &= tolerance != null;
        JudgeTrigger.Side canary = null;
        JudgeTrigger.Side stable = null;
        if (test == JudgeTrigger.Test.MANN_WHITNEY) {
            refuse(y, m, PROPORTION_KEYS, "mann_whitney takes canary: and stable: (two_proportion takes the *_errors/*_total keys)");
            canary = values(y, n, m, "canary");
            stable = values(y, n, m, "stable");
        } else if (test == JudgeTrigger.Test.TWO_PROPORTION) {
            refuse(y, m, VALUE_KEYS, "two_proportion takes canary_errors:, canary_total:, stable_errors: and stable_total:"
                    + " (counter selectors), not canary:/stable:");
            canary = every == null ? null : proportion(y, n, m, "canary", every);
            stable = every == null ? null : proportion(y, n, m, "stable", every);
        }
        if (!ok || name == null || canary == null || stable == null) {
            return null;
        }
        return new JudgeTrigger(name, test, confidence, direction, canary, stable, window, every, minSamples, interval,
                tolerance);
    }

    private static void refuse(YamlNodes y, Map<String, Node> m, List<String> keys, String why) {
        for (String k : keys) {
            if (m.containsKey(k)) {
                y.error(m.get(k), "'" + k + "': " + why);
            }
        }
    }

    private static JudgeTrigger.Values values(YamlNodes y, Node judge, Map<String, Node> m, String key) {
        Node v = m.get(key);
        if (v == null) {
            y.error(judge, "judge with test mann_whitney is missing required key '" + key + "'");
            return null;
        }
        String text = y.string(v, key);
        Expr e = text == null ? null : expr(y, v, text, key);
        return e == null ? null : new JudgeTrigger.Values(text, e);
    }

    private static JudgeTrigger.Proportion proportion(YamlNodes y, Node judge, Map<String, Node> m, String side,
                                                      Duration every) {
        Expr failures = counter(y, judge, m, side + "_errors", every);
        Expr total = counter(y, judge, m, side + "_total", every);
        if (failures == null || total == null) {
            return null;
        }
        return new JudgeTrigger.Proportion(y.string(m.get(side + "_errors"), side + "_errors"), failures,
                y.string(m.get(side + "_total"), side + "_total"), total);
    }

    // sum(increase(selector[sample_every])): one block's count of a counter selector.
    private static Expr counter(YamlNodes y, Node judge, Map<String, Node> m, String key, Duration every) {
        Node v = m.get(key);
        if (v == null) {
            y.error(judge, "judge with test two_proportion is missing required key '" + key + "'");
            return null;
        }
        String text = y.string(v, key);
        Expr e = text == null ? null : expr(y, v, text, key);
        if (e == null) {
            return null;
        }
        if (!(e instanceof VectorSelector s)) {
            y.error(v, key + " must be a counter selector such as http_responses_total{server=\"canary1\",code=\"5xx\"}:"
                    + " the judge counts its increase per block of sample_every itself");
            return null;
        }
        return new Aggregation(AggregationOp.SUM, List.of(), new RangeFunctionCall(RangeFunction.INCREASE, s, every));
    }

    private static Expr expr(YamlNodes y, Node n, String text, String what) {
        try {
            return PromqlParser.parseExpr(text);
        } catch (SyntaxError e) {
            y.error(y.scalarOffset(n, e.offset()), what + ": " + e.getMessage());
            return null;
        }
    }

    private static Double number(YamlNodes y, Node n, String what) {
        String s = y.string(n, what);
        if (s == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(s.strip());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        y.error(n, what + " must be a number, got '" + s + "'");
        return null;
    }

    private static <E extends Enum<E>> E choice(YamlNodes y, Node n, String what, E[] values) {
        String s = y.string(n, what);
        if (s == null) {
            return null;
        }
        StringBuilder names = new StringBuilder();
        for (E v : values) {
            String label = v.name().toLowerCase(Locale.ROOT);
            if (label.equals(s)) {
                return v;
            }
            names.append(names.isEmpty() ? "" : ", ").append(label);
        }
        y.error(n, what + " must be one of " + names + " (got '" + s + "')");
        return null;
    }
}
