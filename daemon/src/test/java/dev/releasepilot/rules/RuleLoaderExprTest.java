package dev.releasepilot.rules;


import dev.releasepilot.rules.promql.ComparisonOp;
import dev.releasepilot.rules.promql.HistogramQuantile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleLoaderExprTest {
    private static final String HEAD = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                triggers:
            """;

    @Test
    void theExampleRuleFileParsesItsExpressions() {
        LoadResult r = RuleLoader.load(Path.of("../rules/example.yaml"));
        assertTrue(r.ok(), () -> r.errors().toString());
        List<Trigger> triggers = r.rules().services().get(0).triggers();
        ExprTrigger errorRate = assertInstanceOf(ExprTrigger.class, triggers.get(0));
        assertEquals(Duration.ofSeconds(120), errorRate.forDuration());
        assertEquals(Duration.ZERO, errorRate.clearFor());
        assertEquals(ComparisonOp.GT, errorRate.condition().op());
        assertNotNull(errorRate.requires());
        assertEquals(ComparisonOp.GE, errorRate.requires().op());
        ExprTrigger p95 = assertInstanceOf(ExprTrigger.class, triggers.get(1));
        assertInstanceOf(HistogramQuantile.class, p95.condition().lhs());
        assertNull(p95.requires());
        assertEquals(List.of(), r.warnings(), "expr triggers are evaluated: nothing to warn about");
    }

    @Test
    void clearForIsParsed() {
        LoadResult r = RuleLoader.parse("r.yaml", HEAD + """
                      - name: cpu
                        expr: avg(rate(cpu_seconds_total[1m])) > 0.9
                        for: 15m
                        clear_for: 2m
                """);
        assertTrue(r.ok(), () -> r.errors().toString());
        ExprTrigger t = (ExprTrigger) r.rules().services().get(0).triggers().get(0);
        assertEquals(Duration.ofMinutes(2), t.clearFor());
        assertEquals(Duration.ofMinutes(15), t.forDuration());
    }

    @Test
    void anErrorOnTheSecondLineOfAFoldedPlainScalarPointsAtItsLineAndColumn() {
        String yaml = HEAD + """
                      - name: error-rate
                        expr: sum(rate(http_requests_total{code=~"5.."}[1m]))
                              / sum(rate(http_requests_total[1m] offset 5m)) > 0.02
                """;
        Problem p = onlyError(yaml);
        assertEquals(7, p.line());
        assertEquals(columnOf(yaml, 7, "offset"), p.column());
        assertTrue(p.message().startsWith("expr: the 'offset' modifier is not supported"), p.message());
    }

    @Test
    void aThirdLineAfterABlankLineStillMapsExactly() {
        String yaml = HEAD + """
                      - name: error-rate
                        expr: sum(rate(a[1m]))
                              /

                                sum(rate(b[1m])) > bool 0.02
                """;
        Problem p = onlyError(yaml);
        assertEquals(9, p.line());
        assertEquals(columnOf(yaml, 9, "bool"), p.column());
    }

    @Test
    void anErrorAtTheEndOfAMultiLineScalarPointsJustPastIt() {
        String yaml = HEAD + """
                      - name: error-rate
                        expr: sum(rate(a[1m]))
                              / sum(rate(b[1m]))
                """;
        Problem p = onlyError(yaml);
        assertEquals(7, p.line());
        assertEquals(columnOf(yaml, 7, "))") + 2, p.column());
        assertTrue(p.message().contains("must end in a comparison"), p.message());
    }

    @Test
    void singleQuotedMultiLineWithAnEscapedQuote() {
        String yaml = HEAD + """
                      - name: r
                        expr: 'sum(rate(a{x=''y''}[1m]))
                              > irate(b[1m])'
                """;
        Problem p = onlyError(yaml);
        assertEquals(7, p.line());
        assertEquals(columnOf(yaml, 7, "irate"), p.column());
    }

    @Test
    void doubleQuotedSingleLineWithEscapes() {
        String yaml = HEAD + """
                      - name: r
                        expr: "sum(rate(a{x=\\"y\\"}[1m])) > topk(1, b)"
                """;
        Problem p = onlyError(yaml);
        assertEquals(6, p.line());
        assertEquals(columnOf(yaml, 6, "topk"), p.column());
    }

    @Test
    void foldedBlockScalar() {
        String yaml = HEAD + """
                      - name: r
                        expr: >-
                          sum(rate(a[1m]))
                          > sum without (x) (b)
                """;
        Problem p = onlyError(yaml);
        assertEquals(8, p.line());
        assertEquals(columnOf(yaml, 8, "without"), p.column());
    }

    @Test
    void literalBlockScalar() {
        String yaml = HEAD + """
                      - name: r
                        expr: |
                          sum(rate(a[1m]))
                            > a % 2
                """;
        Problem p = onlyError(yaml);
        assertEquals(8, p.line());
        assertEquals(columnOf(yaml, 8, "%"), p.column());
    }

    @Test
    void requiresErrorsArePlacedToo() {
        String yaml = HEAD + """
                      - name: r
                        expr: sum(rate(a[1m])) > 1
                        requires: sum(increase(a[1m])) >= 20 or b
                """;
        Problem p = onlyError(yaml);
        assertEquals(7, p.line());
        assertEquals(columnOf(yaml, 7, "or"), p.column());
        assertTrue(p.message().startsWith("requires: set operator 'or'"), p.message());
    }

    @Test
    void singleLinePlainScalarOffsetsAreExact() {
        String yaml = HEAD + """
                      - name: r
                        expr: rate(x[5m]) offset 1m > 1
                """;
        Problem p = onlyError(yaml);
        assertEquals(6, p.line());
        assertEquals(columnOf(yaml, 6, "offset"), p.column());
    }

    @Test
    void everyBrokenExpressionIsReportedNotJustTheFirst() {
        LoadResult r = RuleLoader.parse("r.yaml", HEAD + """
                      - name: a
                        expr: irate(x[1m]) > 1
                      - name: b
                        expr: x > 1
                        requires: y
                        clear_for: soon
                """);
        assertEquals(3, r.errors().size(), r.errors().toString());
    }

    private static Problem onlyError(String yaml) {
        LoadResult r = RuleLoader.parse("r.yaml", yaml);
        assertEquals(1, r.errors().size(), () -> r.errors().toString());
        assertEquals("r.yaml", r.errors().get(0).file());
        return r.errors().get(0);
    }

    /** The 1-based column of {@code needle} on 1-based {@code line} of the text. */
    private static int columnOf(String text, int line, String needle) {
        String l = text.split("\n", -1)[line - 1];
        int i = l.indexOf(needle);
        assertTrue(i >= 0, needle + " not on line " + line + ": " + l);
        return i + 1;
    }
}
