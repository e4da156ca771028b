package dev.releasepilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** check warns (and still loads) when a trigger reads haproxy_* series that nothing polls. */
class StatsPollHintTest {
    private static final String RULES = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]%s}
                triggers:
                  - name: errors
                    expr: sum(rate(haproxy_server_http_responses_total{proxy="be",server="c1",code="5xx"}[1m])) > 1
                  - name: other
                    expr: sum(rate(http_requests_total[1m])) > 1
            """;

    @Test
    void haproxySeriesWithoutStatsPollGiveAWarningAtTheExpression() {
        LoadResult r = RuleLoader.parse("rules.yaml", RULES.formatted(""));
        assertTrue(r.ok(), () -> r.errors().toString());
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        Problem w = r.warnings().get(0);
        assertEquals("6:15", w.line() + ":" + w.column());
        assertTrue(w.message().startsWith("trigger 'errors' selects haproxy_server_http_responses_total but no haproxy"
                + " backend has 'stats_poll:'"), w.message());
    }

    @Test
    void aSeriesInAComparisonJoinedWithAndCountsToo() {
        LoadResult r = RuleLoader.parse("rules.yaml", """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                    triggers:
                      - name: relative
                        expr: sum(rate(http_requests_total[1m])) > 1 and sum(haproxy_server_current_sessions) > 5
                """);
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).message().startsWith("trigger 'relative' selects haproxy_server_current_sessions"),
                r.warnings().get(0).message());
    }

    @Test
    void noWarningWhenABackendPollsItsStats() {
        LoadResult r = RuleLoader.parse("rules.yaml", RULES.formatted(", stats_poll: true"));
        assertTrue(r.ok(), () -> r.errors().toString());
        assertEquals(0, r.warnings().size(), r.warnings().toString());
    }
}
