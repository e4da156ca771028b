package dev.releasepilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorSelector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code judge:} trigger kind: defaults, both tests' keys, and strict errors at file:line:column. */
class JudgeParserTest {
    private static final String HEAD = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                triggers:
            """;

    @Test
    void theIssuesLatencyJudgeParsesWithDefaults() {
        LoadResult r = RuleLoader.parse("r.yaml", HEAD + """
                      - name: latency-vs-stable
                        judge: {test: mann_whitney, confidence: 0.98, direction: increase,
                                canary: 'haproxy_server_response_time_average_seconds{server="c1"}',
                                stable: 'haproxy_server_response_time_average_seconds{server="s1"}'}
                """);
        assertTrue(r.ok(), () -> r.errors().toString());
        JudgeTrigger j = assertInstanceOf(JudgeTrigger.class, r.rules().services().get(0).triggers().get(0));
        assertEquals(JudgeTrigger.Test.MANN_WHITNEY, j.test());
        assertEquals(0.98, j.confidence());
        assertEquals(JudgeTrigger.Direction.INCREASE, j.direction());
        assertEquals(Duration.ofMinutes(2), j.window());
        assertEquals(Duration.ofSeconds(10), j.sampleEvery());
        assertEquals(j.window(), j.interval(), "by default each look sees a fresh window");
        assertEquals(10, j.minSamples());
        JudgeTrigger.Values c = assertInstanceOf(JudgeTrigger.Values.class, j.canary());
        assertEquals("haproxy_server_response_time_average_seconds{server=\"c1\"}", c.values().toString());
    }

    @Test
    void theExampleRuleFileChecksClean() {
        LoadResult r = RuleLoader.load(java.nio.file.Path.of("../rules/canary-vs-stable-example.yaml"));
        assertTrue(r.ok() && r.warnings().isEmpty(), () -> r.errors() + " " + r.warnings());
        List<Trigger> triggers = r.rules().services().get(0).triggers();
        assertEquals(1, ((ExprTrigger) triggers.get(1)).condition().and().size(), "the relative trigger joins two comparisons");
        assertInstanceOf(JudgeTrigger.Values.class, ((JudgeTrigger) triggers.get(2)).canary());
        assertInstanceOf(JudgeTrigger.Proportion.class, ((JudgeTrigger) triggers.get(3)).canary());
    }

    @Test
    void twoProportionCountsEachCounterPerBlock() {
        LoadResult r = RuleLoader.parse("r.yaml", HEAD + """
                      - name: errors-vs-stable
                        judge:
                          test: two_proportion
                          confidence: 0.99
                          canary_errors: 'haproxy_server_http_responses_total{proxy="be",server="c1",code="5xx"}'
                          canary_total: 'haproxy_server_http_responses_total{proxy="be",server="c1"}'
                          stable_errors: 'haproxy_server_http_responses_total{proxy="be",server="s1",code="5xx"}'
                          stable_total: 'haproxy_server_http_responses_total{proxy="be",server="s1"}'
                          window: 1m
                          sample_every: 5s
                          interval: 15s
                """);
        assertTrue(r.ok(), () -> r.errors().toString());
        JudgeTrigger j = (JudgeTrigger) r.rules().services().get(0).triggers().get(0);
        assertEquals(200, j.minSamples(), "two_proportion counts requests");
        JudgeTrigger.Proportion p = assertInstanceOf(JudgeTrigger.Proportion.class, j.canary());
        Aggregation sum = assertInstanceOf(Aggregation.class, p.failures());
        RangeFunctionCall increase = assertInstanceOf(RangeFunctionCall.class, sum.argument());
        assertEquals(Duration.ofSeconds(5), increase.range());
        assertEquals("haproxy_server_http_responses_total", increase.selector().metric());
        assertEquals("sum (increase(haproxy_server_http_responses_total{proxy=\"be\",server=\"c1\"}[5s]))",
                p.total().toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "{test: mann_whitney, canary: a, stable: b, colour: red}                 | colour     | unknown key",
            "{canary: a, stable: b}                                                  | {          | missing required key 'test'",
            "{test: t_test, canary: a, stable: b}                                    | t_test     | test must be one of mann_whitney, two_proportion",
            "{test: mann_whitney, confidence: 1.5, canary: a, stable: b}             | 1.5        | above 0.5 and below 1",
            "{test: mann_whitney, confidence: high, canary: a, stable: b}            | high       | must be a number",
            "{test: mann_whitney, direction: up, canary: a, stable: b}               | up         | one of increase, decrease, either",
            "{test: mann_whitney, canary: a}                                         | {          | missing required key 'stable'",
            "{test: mann_whitney, canary: a, stable: b, canary_errors: c}            | c}         | mann_whitney takes canary: and stable:",
            "{test: mann_whitney, canary: 'sum(rate(a[1m])) /', stable: b}           | ', stable  | canary: unexpected end",
            "{test: mann_whitney, canary: 'a > 1', stable: b}                        | > 1        | a comparison is not allowed here",
            "{test: mann_whitney, canary: '2 * 3', stable: b}                        | 2 *        | it must select series",
            "{test: mann_whitney, min_samples: 20, canary: a, stable: b}             | 20         | more than the window's 12 blocks",
            "{test: mann_whitney, window: 5s, canary: a, stable: b}                  | 5s         | at least 2 blocks",
            "{test: mann_whitney, sample_every: 50ms, canary: a, stable: b}          | 50ms       | at least 100ms",
            "{test: mann_whitney, interval: 1s, canary: a, stable: b}                | 1s         | must not be shorter than sample_every",
            "{test: two_proportion, canary: a, canary_errors: e, canary_total: t, stable_errors: e, stable_total: t} | a, | two_proportion takes canary_errors",
            "{test: two_proportion, canary_errors: 'sum(e)', canary_total: t, stable_errors: e, stable_total: t} | 'sum | must be a counter selector",
            "{test: two_proportion, canary_errors: e, canary_total: t, stable_errors: e}                         | {   | missing required key 'stable_total'",
    })
    void mistakesAreReportedWhereTheyAre(String judge, String at, String message) {
        String yaml = HEAD + "      - name: j\n        judge: " + judge + "\n";
        LoadResult r = RuleLoader.parse("r.yaml", yaml);
        assertEquals(1, r.errors().size(), () -> r.errors().toString());
        Problem p = r.errors().get(0);
        assertTrue(p.message().contains(message), p.message());
        assertEquals(6, p.line(), p.toString());
        String line = yaml.split("\n")[5];
        assertEquals(line.indexOf(at, line.indexOf("judge:")) + 1, p.column(), p + " for '" + at + "' in " + line);
    }

    @Test
    void aMistypedTestIsOneErrorNotAlsoOneAboutItsKeys() {
        LoadResult r = RuleLoader.parse("r.yaml", HEAD + """
                      - name: j
                        judge: {test: mann_whitny, tolerance: 0.1, canary: a, stable: b}
                """);
        List<String> messages = r.errors().stream().map(Problem::toString).toList();
        assertEquals(1, messages.size(), messages::toString);
        assertTrue(messages.get(0).contains("test must be one of mann_whitney, two_proportion (got 'mann_whitny')"), messages.get(0));
    }

    @Test
    void oneKindPerTriggerAndExprKeysStayWithExprTriggers() {
        LoadResult r = RuleLoader.parse("r.yaml", HEAD + """
                      - name: both
                        expr: a > 1
                        judge: {test: mann_whitney, canary: a, stable: b}
                      - name: j
                        judge: {test: mann_whitney, canary: a, stable: b}
                        for: 1m
                """);
        List<String> messages = r.errors().stream().map(Problem::toString).toList();
        assertEquals(2, messages.size(), messages::toString);
        assertTrue(messages.get(0).contains("r.yaml:5:") && messages.get(0).contains("needs exactly one of alert:, expr:,"
                + " probe:, judge:"), messages.get(0));
        assertTrue(messages.get(1).contains("r.yaml:10:") && messages.get(1).contains("'for' applies to expr: triggers only;"
                + " trigger 'j' is a judge trigger"), messages.get(1));
        assertInstanceOf(VectorSelector.class, ((JudgeTrigger.Values) ((JudgeTrigger) RuleLoader.parse("r.yaml", HEAD + """
                      - name: j
                        judge: {test: mann_whitney, canary: a, stable: b}
                """).rules().services().get(0).triggers().get(0)).canary()).values());
    }
}
