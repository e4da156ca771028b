package dev.releasepilot.window;

import static dev.releasepilot.window.Fixtures.condition;
import static dev.releasepilot.window.Fixtures.counter;
import static dev.releasepilot.window.Fixtures.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.ExprTrigger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    private static final Condition ERROR_RATE = condition(
            "sum(rate(http_requests_total{service=\"checkout\",track=\"canary\",code=~\"5..\"}[1m]))"
                    + " / sum(rate(http_requests_total{service=\"checkout\",track=\"canary\"}[1m])) > 0.02");
    private static final Condition TRAFFIC = condition(
            "sum(increase(http_requests_total{service=\"checkout\",track=\"canary\"}[1m])) >= 20");
    private static final ExprTrigger TRIGGER = new ExprTrigger("error-rate", "…", ERROR_RATE, Duration.ofMinutes(2),
            TRAFFIC, Duration.ZERO);

    private static Labels req(String code, String instance) {
        return labels("http_requests_total", "service", "checkout", "track", "canary", "code", code, "instance", instance);
    }

    private static SeriesStore store(Condition... conditions) {
        return new SeriesStore(Fixtures.index(conditions), StoreLimits.defaults(), new SimpleMeterRegistry(),
                TouchListener.NONE);
    }

    /** 200s at 10/s on two instances, 500s at 1/s on one, all scraped every 10 s for 2 minutes. */
    private static void traffic(SeriesStore s, double scale) {
        List<Sample> all = new ArrayList<>();
        all.addAll(counter(req("200", "a"), 0, 120_000, 10_000, 1000, 10 * scale));
        all.addAll(counter(req("200", "b"), 0, 120_000, 10_000, 1000, 10 * scale));
        all.addAll(counter(req("500", "a"), 0, 120_000, 10_000, 1000, scale));
        all.sort((x, y) -> Long.compare(x.timestampMs(), y.timestampMs()));
        s.accept(all);
    }

    @Test
    void theErrorRateRuleFiresWhenTheRatioIsAboveItsThreshold() {
        SeriesStore s = store(ERROR_RATE, TRAFFIC);
        traffic(s, 1);
        Evaluator ev = new Evaluator(s);
        Verdict v = ev.evaluate(ERROR_RATE, 120_000);
        assertEquals(Outcome.TRUE, v.outcome());
        // every series is sampled alike, so extrapolation cancels out: 1 / (10 + 10 + 1)
        assertEquals(1.0 / 21, v.compared().get(0).value(), 1e-12);
        assertEquals(Labels.empty(), v.compared().get(0).labels());
        TriggerVerdict tv = ev.evaluate(TRIGGER, 120_000);
        assertEquals(Outcome.TRUE, tv.outcome());
        assertEquals(Outcome.TRUE, tv.requires().outcome());
    }

    @Test
    void belowTheTrafficGuardTheTriggerIsNoDataNeverHealthyOrFailing() {
        SeriesStore s = store(ERROR_RATE, TRAFFIC);
        traffic(s, 0.01); // 0.21 requests/s: 12.6 per minute, under the guard's 20
        Evaluator ev = new Evaluator(s);
        TriggerVerdict tv = ev.evaluate(TRIGGER, 120_000);
        assertEquals(Outcome.TRUE, tv.expr().outcome(), "the ratio alone would fire");
        assertEquals(Outcome.FALSE, tv.requires().outcome());
        assertEquals(Outcome.NO_DATA, tv.outcome());
    }

    @Test
    void noSamplesMeansNoData() {
        SeriesStore s = store(ERROR_RATE, TRAFFIC);
        assertEquals(Outcome.NO_DATA, new Evaluator(s).evaluate(TRIGGER, 120_000).outcome());
    }

    @Test
    void zeroTrafficGivesNaNWhichIsNoData() {
        SeriesStore s = store(ERROR_RATE);
        traffic(s, 0); // counters that never move: 0 / 0
        Verdict v = new Evaluator(s).evaluate(ERROR_RATE, 120_000);
        assertEquals(Outcome.NO_DATA, v.outcome());
    }

    @Test
    void sumByGivesOneValuePerGroup() {
        Condition byCode = condition("sum by (code) (rate(http_requests_total{service=\"checkout\"}[1m])) > 5");
        SeriesStore s = store(byCode);
        traffic(s, 1);
        Verdict v = new Evaluator(s).evaluate(byCode, 120_000);
        Map<String, Double> perCode = v.compared().stream()
                .collect(Collectors.toMap(e -> e.labels().toString(), Element::value));
        assertEquals(Map.of("{code=\"200\"}", 20.0, "{code=\"500\"}", 1.0), round(perCode));
        assertEquals(List.of("{code=\"200\"}"), v.passing().stream().map(e -> e.labels().toString()).toList());
        assertEquals(Outcome.TRUE, v.outcome());
    }

    @Test
    void otherAggregations() {
        Condition c = condition("max(rate(http_requests_total[1m])) > 0");
        SeriesStore s = store(c,
                condition("min(rate(http_requests_total[1m])) > 0"),
                condition("avg(rate(http_requests_total[1m])) > 0"),
                condition("count by (instance) (rate(http_requests_total[1m])) > 0"));
        traffic(s, 1);
        Evaluator ev = new Evaluator(s);
        assertEquals(10.0, only(ev.evaluate(c.lhs(), 120_000)), 1e-9);
        assertEquals(1.0, only(ev.evaluate(condition("min(rate(http_requests_total[1m])) > 0").lhs(), 120_000)), 1e-9);
        assertEquals(7.0, only(ev.evaluate(condition("avg(rate(http_requests_total[1m])) > 0").lhs(), 120_000)), 1e-9);
        Value counts = ev.evaluate(condition("count by (instance) (rate(http_requests_total[1m])) > 0").lhs(), 120_000);
        Map<String, Double> byInstance = ((Value.InstantVector) counts).elements().stream()
                .collect(Collectors.toMap(e -> e.labels().get("instance"), Element::value));
        assertEquals(Map.of("a", 2.0, "b", 1.0), byInstance);
    }

    @Test
    void histogramQuantileOverSummedBucketRates() {
        Condition p95 = condition("histogram_quantile(0.5, sum by (le) (rate(lat_bucket{svc=\"c\"}[5m]))) > 0.3");
        SeriesStore s = store(p95);
        // two instances, per-second increments per bucket: le 0.1 → 1+1, 0.5 → 6+6, 1 → 9+9, +Inf → 10+10
        double[][] perSecond = {{1, 6, 9, 10}, {1, 6, 9, 10}};
        String[] le = {"0.1", "0.5", "1", "+Inf"};
        List<Sample> all = new ArrayList<>();
        for (int inst = 0; inst < 2; inst++) {
            for (int b = 0; b < le.length; b++) {
                all.addAll(counter(labels("lat_bucket", "svc", "c", "le", le[b], "instance", "i" + inst),
                        0, 300_000, 15_000, 0, perSecond[inst][b]));
            }
        }
        all.sort((x, y) -> Long.compare(x.timestampMs(), y.timestampMs()));
        s.accept(all);
        Verdict v = new Evaluator(s).evaluate(p95, 300_000);
        // rank = 0.5 × 20 = 10 in (0.1, 0.5] holding 12 − 2 = 10: 0.1 + 0.4 × (10 − 2)/10 = 0.42
        assertEquals(0.42, v.compared().get(0).value(), 1e-9);
        assertEquals(Labels.empty(), v.compared().get(0).labels(), "le and __name__ are dropped from the result");
        assertEquals(Outcome.TRUE, v.outcome());
    }

    @Test
    void instantSelectorsReadTheNewestSampleWithinTheLookbackUntilAStaleMarker() {
        Condition up = condition("up{job=\"api\"} == 0");
        SeriesStore s = store(up);
        Labels l = labels("up", "job", "api");
        s.accept(List.of(new Sample(l, 10_000, 1), new Sample(l, 20_000, 0)));
        Evaluator ev = new Evaluator(s);
        assertEquals(Outcome.FALSE, ev.evaluate(up, 15_000).outcome(), "at 15 s the newest sample is the 1 at 10 s");
        assertEquals(Outcome.TRUE, ev.evaluate(up, 20_000).outcome());
        assertEquals(Outcome.TRUE, ev.evaluate(up, 20_000 + Evaluator.LOOKBACK_MS - 1).outcome());
        assertEquals(Outcome.NO_DATA, ev.evaluate(up, 20_000 + Evaluator.LOOKBACK_MS).outcome(), "past the lookback");
        s.accept(List.of(Fixtures.staleMarker(l, 30_000)));
        assertEquals(Outcome.TRUE, ev.evaluate(up, 25_000).outcome(), "before the marker the series still existed");
        assertEquals(Outcome.NO_DATA, ev.evaluate(up, 30_000).outcome(), "the stale marker ended the series");
    }

    @Test
    void rangeFunctionsIgnoreStaleMarkersButKeepTheSamplesBeforeThem() {
        Condition c = condition("increase(c_total[1m]) > 0");
        SeriesStore s = store(c);
        Labels l = labels("c_total");
        List<Sample> samples = new ArrayList<>(counter(l, 5_000, 50_000, 15_000, 100, 1));
        samples.add(Fixtures.staleMarker(l, 55_000));
        s.accept(samples);
        Verdict v = new Evaluator(s).evaluate(c, 60_000);
        // the same samples as the evenly spaced hand-computed case: increase 60 (the marker adds nothing)
        assertEquals(60.0, v.compared().get(0).value(), 1e-9);
    }

    @Test
    void vectorsMatchOneToOneOnLabelsWithoutTheMetricName() {
        Condition ratio = condition("errors_total / requests_total > 0.1");
        SeriesStore s = store(ratio);
        s.accept(List.of(
                new Sample(labels("errors_total", "pod", "a"), 1_000, 5),
                new Sample(labels("requests_total", "pod", "a"), 1_000, 10),
                new Sample(labels("errors_total", "pod", "b"), 1_000, 1),
                new Sample(labels("requests_total", "pod", "b"), 1_000, 100),
                new Sample(labels("errors_total", "pod", "c"), 1_000, 1))); // no partner: left out
        Verdict v = new Evaluator(s).evaluate(ratio, 1_000);
        assertEquals(2, v.compared().size());
        assertEquals(1, v.passing().size());
        assertEquals("a", v.passing().get(0).labels().get("pod"));
        Value q = new Evaluator(s).evaluate(ratio.lhs(), 1_000);
        Map<String, Double> byPod = ((Value.InstantVector) q).elements().stream()
                .collect(Collectors.toMap(e -> e.labels().toString(), Element::value));
        assertEquals(Map.of("{pod=\"a\"}", 0.5, "{pod=\"b\"}", 0.01), byPod, "arithmetic drops the metric name");
    }

    @Test
    void numberOnTheLeftAndArithmeticWithNumbers() {
        Condition c = condition("0.5 < up * 2 - 1");
        SeriesStore s = store(c);
        s.accept(List.of(new Sample(labels("up"), 1_000, 1)));
        Verdict v = new Evaluator(s).evaluate(c, 1_000);
        assertEquals(Outcome.TRUE, v.outcome());
        assertEquals(1.0, v.compared().get(0).value());
    }

    @Test
    void anUnregisteredSelectorIsAProgrammingError() {
        SeriesStore s = store(condition("up > 0"));
        assertThrows(IllegalArgumentException.class,
                () -> new Evaluator(s).evaluate(condition("down > 0"), 1_000));
    }

    @Test
    void samplesNewerThanTheEvaluationTimeDoNotChangeTheAnswer() {
        SeriesStore s = store(ERROR_RATE, TRAFFIC);
        traffic(s, 1);
        Evaluator ev = new Evaluator(s);
        Verdict before = ev.evaluate(ERROR_RATE, 90_000);
        s.accept(counter(req("500", "a"), 130_000, 180_000, 10_000, 0, 500)); // a burst of errors later on
        assertEquals(before, ev.evaluate(ERROR_RATE, 90_000));
    }

    private static double only(Value v) {
        List<Element> e = ((Value.InstantVector) v).elements();
        assertEquals(1, e.size(), e.toString());
        return e.get(0).value();
    }

    private static Map<String, Double> round(Map<String, Double> m) {
        return m.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> Math.round(e.getValue() * 1e9) / 1e9));
    }

    @Test
    void valuesReportNoData() {
        assertTrue(new Value.InstantVector(List.of()).isNoData());
        assertTrue(new Value.Scalar(Double.NaN).isNoData());
    }

    /**
     * An aggregation straight over a range function or a selector is computed while the series are
     * visited, without a vector of one element per series; `* 1` in between keeps the vector path. Both
     * must give the same groups, in the same order, to the bit — and so must a trigger whose two sides
     * aggregate the same range function (one shared pass, aggregated afterwards).
     */
    @Test
    void anAggregationFusedWithItsSeriesAnswersAsOverTheVector() {
        String sel = "http_requests_total{service=\"checkout\"}";
        String[][] pairs = {
            {"sum by (code) (rate(" + sel + "[1m]))", "sum by (code) (rate(" + sel + "[1m]) * 1)"},
            {"avg(increase(" + sel + "[1m]))", "avg(increase(" + sel + "[1m]) * 1)"},
            {"max by (instance) (" + sel + ")", "max by (instance) (" + sel + " * 1)"},
            {"count(min_over_time(" + sel + "[30s]))", "count(min_over_time(" + sel + "[30s]) * 1)"},
        };
        List<Condition> conditions = new ArrayList<>();
        for (String[] p : pairs) {
            conditions.add(condition(p[0] + " > 0"));
            conditions.add(condition(p[1] + " > 0"));
        }
        Condition shared = condition("sum(rate(" + sel + "[1m])) > max(rate(" + sel + "[1m]))");
        conditions.add(shared);
        SeriesStore s = store(conditions.toArray(Condition[]::new));
        java.util.Random r = new java.util.Random(7);
        List<Sample> all = new ArrayList<>();
        for (String code : List.of("200", "404", "500", "503")) {
            for (String instance : List.of("a", "b", "c")) {
                double v = r.nextInt(100);
                for (long t = 0; t <= 120_000; t += 1_000) {
                    v += r.nextDouble() * 10 - (r.nextInt(40) == 0 ? v : 0); // fractions, and now and then a reset
                    all.add(new Sample(req(code, instance), t, v));
                }
            }
        }
        all.sort((x, y) -> Long.compare(x.timestampMs(), y.timestampMs()));
        s.accept(all);
        Evaluator ev = new Evaluator(s);
        for (long t = 60_000; t <= 120_000; t += 7_000) {
            for (int i = 0; i < pairs.length; i++) {
                Verdict fused = ev.evaluate(conditions.get(2 * i), t);
                Verdict vector = ev.evaluate(conditions.get(2 * i + 1), t);
                assertTrue(!fused.compared().isEmpty(), pairs[i][0] + " has data at " + t);
                assertEquals(bits(vector.compared()), bits(fused.compared()), pairs[i][0] + " at " + t);
            }
            Verdict both = ev.evaluate(shared, t);
            double sum = ((Value.InstantVector) ev.evaluate(condition("sum(rate(" + sel + "[1m])) > 0").lhs(), t)).elements().get(0).value();
            assertEquals(Double.doubleToLongBits(sum), Double.doubleToLongBits(both.compared().get(0).value()), "shared pass at " + t);
        }
    }

    private static List<String> bits(List<Element> elements) {
        return elements.stream().map(e -> e.labels() + "=" + Long.toHexString(Double.doubleToLongBits(e.value()))).toList();
    }
}
