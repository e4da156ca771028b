package dev.releasepilot.window;

import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.SyntaxError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small builders shared by the window tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** labels("http_requests_total", "code", "500") */
    static Labels labels(String metric, String... kv) {
        Map<String, String> m = new TreeMap<>();
        m.put(Labels.METRIC_NAME, metric);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Labels.of(m);
    }

    static Condition condition(String text) {
        try {
            return PromqlParser.parse(text);
        } catch (SyntaxError e) {
            throw new AssertionError(text + ": " + e.getMessage() + " at " + e.offset(), e);
        }
    }

    /** One index with each condition under its own key "k0", "k1", ... */
    static SelectorIndex index(Condition... conditions) {
        SelectorIndex.Builder b = SelectorIndex.builder();
        for (int i = 0; i < conditions.length; i++) {
            b.add("k" + i, conditions[i]);
        }
        return b.build();
    }

    /** A counter series sampled every stepMs from fromMs to toMs inclusive, value = base + perSecond × seconds. */
    static List<Sample> counter(Labels l, long fromMs, long toMs, long stepMs, double base, double perSecond) {
        List<Sample> out = new ArrayList<>();
        for (long t = fromMs; t <= toMs; t += stepMs) {
            out.add(new Sample(l, t, base + perSecond * t / 1000.0));
        }
        return out;
    }

    static Sample staleMarker(Labels l, long t) {
        return new Sample(l, t, Double.longBitsToDouble(Sample.STALE_NAN_BITS));
    }
}
