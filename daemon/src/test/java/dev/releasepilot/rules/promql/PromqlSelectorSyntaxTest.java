package dev.releasepilot.rules.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.matcher.Matcher;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prometheus 3 selector forms in the PromQL subset: name-less selectors, quoted (UTF-8) label and
 * metric names; RE2 regexes; and the nesting limit that keeps deep expressions off the stack.
 */
class PromqlSelectorSyntaxTest {
    private static VectorSelector selector(String expr) throws SyntaxError {
        Expr lhs = PromqlParser.parse(expr).lhs();
        if (lhs instanceof RangeFunctionCall c) {
            return c.selector();
        }
        if (lhs instanceof Aggregation a) {
            return a.argument() instanceof RangeFunctionCall c ? c.selector() : (VectorSelector) a.argument();
        }
        return assertInstanceOf(VectorSelector.class, lhs);
    }

    @Test
    void aMetricNamedLikeAKeywordIsPrintedQuotedSoItParsesBack() throws SyntaxError {
        // found by fuzzing: {"on", job="x"} printed as on{job="x"}, which is `on` the keyword
        for (String keyword : List.of("on", "ignoring", "and", "by", "offset")) {
            VectorSelector s = selector("{\"" + keyword + "\", job=\"x\"} > 0");
            assertEquals("{\"" + keyword + "\",job=\"x\"}", s.toString());
            assertEquals(s.toString(), selector(s + " > 0").toString());
        }
        assertEquals("up{job=\"x\"}", selector("{\"up\", job=\"x\"} > 0").toString());
    }

    @Test
    void aNamelessSelectorKeepsItsNameMatcher() throws SyntaxError {
        VectorSelector s = selector("sum(rate({__name__=~\"http_.*_total\", job=\"api\"}[1m])) > 0");
        assertNull(s.metric());
        assertEquals(List.of(Matcher.of("__name__", Matcher.Op.RE, "http_.*_total"), Matcher.of("job", Matcher.Op.EQ, "api")),
                s.matchers());
        assertEquals("{__name__=~\"http_.*_total\",job=\"api\"}", s.toString());
    }

    @Test
    void aNameEqualityInsideTheBracesIsTheMetricName() throws SyntaxError {
        assertEquals(PromqlParser.parse("http_requests_total{job=\"api\"} > 0"),
                PromqlParser.parse("{__name__=\"http_requests_total\", job=\"api\"} > 0"));
        assertEquals(PromqlParser.parse("http_requests_total > 0"), PromqlParser.parse("{\"http_requests_total\"} > 0"));
    }

    @Test
    void quotedLabelAndMetricNamesAsPrometheus3() throws SyntaxError {
        VectorSelector s = selector("{\"http.server.duration\", \"service.name\"=\"checkout\", job=~\"a|b\"} > 1");
        assertEquals("http.server.duration", s.metric());
        assertTrue(s.matchers().contains(Matcher.of("service.name", Matcher.Op.EQ, "checkout")));
        assertEquals("{\"http.server.duration\",\"service.name\"=\"checkout\",job=~\"a|b\"}", s.toString());
        VectorSelector named = selector("rate(http_requests_total{\"service.name\"=\"checkout\"}[1m]) > 0");
        assertEquals("http_requests_total", named.metric());
        assertTrue(named.matchers().get(0).matches(Map.of("service.name", "checkout")));
        Aggregation by = (Aggregation) PromqlParser.parse("sum by (\"service.name\", le) (x) > 0").lhs();
        assertEquals(List.of("service.name", "le"), by.by());
        assertEquals("sum by (\"service.name\", le) (x)", by.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sum(rate({__name__=~\"http_.*_total\", job=\"api\"}[1m])) > 0",
            "{\"http.server.duration\", \"service.name\"=\"checkout\"} > 1",
            "sum by (\"service.name\") (rate({\"a.b\"}[5m])) / 2 > 1",
            "{job=\"a\\\\\\\"b\"} > 1"})
    void canonicalTextParsesBackToTheSameTree(String text) throws SyntaxError {
        Condition c = PromqlParser.parse(text);
        assertEquals(c, PromqlParser.parse(c.lhs() + " " + c.op().symbol() + " " + c.rhs()));
    }

    @Test
    void regexesAreRe2AndLinearTime() throws SyntaxError {
        // Catastrophic for a backtracking engine (seconds at 28 characters, centuries at 10,000); RE2
        // answers in time linear in the value, so this returns at all only because the engine is RE2.
        VectorSelector s = selector("x{team=~\"((a+)+)+c\"} > 0");
        Matcher m = s.matchers().get(0);
        assertEquals("com.google.re2j.Pattern", m.pattern().getClass().getName());
        assertFalse(m.matchesValue("a".repeat(28)));
        assertFalse(m.matchesValue("a".repeat(10_000)));
        assertTrue(m.matchesValue("a".repeat(10_000) + "c"));
    }

    @Test
    void nestingWithinTheLimitParses() throws SyntaxError {
        int n = PromqlParser.MAX_DEPTH - 2;
        PromqlParser.parse("(".repeat(n) + "x" + ")".repeat(n) + " > 1");
        PromqlParser.parse("x" + " + 1".repeat(n) + " > 1");
    }

    @ParameterizedTest
    @ValueSource(ints = {PromqlParser.MAX_DEPTH + 1, 100_000})
    void deepNestingIsASyntaxErrorNotAStackOverflow(int n) {
        for (String deep : List.of(
                "(".repeat(n) + "x" + ")".repeat(n) + " > 1",
                "-".repeat(n) + "x > 1",
                "x" + " + 1".repeat(n) + " > 1",
                "x" + " * x".repeat(n) + " > 1",
                "sum(".repeat(n) + "x" + ")".repeat(n) + " > 1",
                "histogram_quantile(0.5, ".repeat(n) + "x" + ")".repeat(n) + " > 1")) {
            SyntaxError e = assertThrows(SyntaxError.class, () -> PromqlParser.parse(deep), deep.substring(0, 30));
            assertTrue(e.getMessage().contains("nests deeper than " + PromqlParser.MAX_DEPTH), e.getMessage());
            assertTrue(e.offset() > 0 && e.offset() < deep.length(), "points into the text: " + e.offset());
        }
    }
}
