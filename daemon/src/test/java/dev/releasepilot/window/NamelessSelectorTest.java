package dev.releasepilot.window;

import static dev.releasepilot.window.Fixtures.condition;
import static dev.releasepilot.window.Fixtures.counter;
import static dev.releasepilot.window.Fixtures.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Condition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Selectors without a metric name ({@code {__name__=~"http_.*_total", job="api"}}, Prometheus 3's
 * {@code {"metric.name"}}) reach the series of every metric they match through the index's fallback path.
 */
class NamelessSelectorTest {
    private static final Condition BY_NAME_REGEX = condition(
            "sum(rate({__name__=~\"http_.*_total\", job=\"api\"}[1m])) > 0");

    @Test
    void aNameRegexWantsEveryMetricItMatchesAndNoOther() {
        SelectorIndex index = Fixtures.index(BY_NAME_REGEX);
        assertTrue(index.wantsMetric("http_requests_total"));
        assertTrue(index.wantsMetric("http_errors_total"));
        assertFalse(index.wantsMetric("http_requests"), "anchored: the _total suffix is required");
        assertFalse(index.wantsMetric("grpc_requests_total"));
        assertNotNull(index.match(labels("http_errors_total", "job", "api")));
        assertNull(index.match(labels("http_errors_total", "job", "web")), "the other matchers still apply");
    }

    @Test
    void aSelectorWithoutNameMatchersWantsEveryMetric() {
        SelectorIndex index = Fixtures.index(condition("count({job=\"api\"}) > 0"));
        assertTrue(index.wantsMetric("anything_at_all"));
        assertNotNull(index.match(labels("anything_at_all", "job", "api")));
        assertNull(index.match(labels("anything_at_all", "job", "web")));
    }

    @Test
    void namedAndNamelessSelectorsOfOneSeriesBothFeedTheirKeys() {
        SelectorIndex index = Fixtures.index(BY_NAME_REGEX, condition("rate(http_requests_total[1m]) > 0"));
        assertEquals(List.of("k0", "k1"), index.keysAffectedBy(labels("http_requests_total", "job", "api")));
        assertEquals(List.of("k1"), index.keysAffectedBy(labels("http_requests_total", "job", "web")));
        assertEquals(List.of("k0"), index.keysAffectedBy(labels("http_errors_total", "job", "api")));
    }

    @Test
    void aQuotedUtf8MetricNameSelectsItsSeries() {
        Condition c = condition("{\"http.server.requests\", \"service.name\"=\"checkout\"} > 5");
        SeriesStore store = new SeriesStore(Fixtures.index(c), StoreLimits.defaults(), new SimpleMeterRegistry(),
                TouchListener.NONE);
        assertTrue(store.wantsMetric("http.server.requests"));
        store.accept(List.of(
                new Sample(labels("http.server.requests", "service.name", "checkout"), 1_000, 7),
                new Sample(labels("http.server.requests", "service.name", "payments"), 1_000, 9)));
        Verdict v = new Evaluator(store).evaluate(c, 1_000);
        assertEquals(Outcome.TRUE, v.outcome());
        assertEquals(1, v.compared().size(), "only the checkout series is selected");
        assertEquals(7, v.compared().get(0).value());
    }

    @Test
    void aNameRegexSumsTheRatesOfSeveralMetrics() {
        SeriesStore store = new SeriesStore(Fixtures.index(BY_NAME_REGEX), StoreLimits.defaults(),
                new SimpleMeterRegistry(), TouchListener.NONE);
        List<Sample> all = new ArrayList<>();
        all.addAll(counter(labels("http_requests_total", "job", "api"), 0, 60_000, 10_000, 0, 3));
        all.addAll(counter(labels("http_errors_total", "job", "api"), 0, 60_000, 10_000, 0, 1));
        all.addAll(counter(labels("http_errors_total", "job", "web"), 0, 60_000, 10_000, 0, 100));
        all.sort((x, y) -> Long.compare(x.timestampMs(), y.timestampMs()));
        store.accept(all);
        Verdict v = new Evaluator(store).evaluate(BY_NAME_REGEX, 60_000);
        assertEquals(Outcome.TRUE, v.outcome());
        assertEquals(4.0, v.compared().get(0).value(), 1e-9, "3/s + 1/s from job=api, whatever the metric");
    }
}
