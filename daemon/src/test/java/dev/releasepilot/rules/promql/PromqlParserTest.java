package dev.releasepilot.rules.promql;


import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.matcher.Matcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromqlParserTest {
    private static final String ERROR_RATE = "sum(rate(http_requests_total{service=\"checkout\",track=\"canary\",code=~\"5..\"}[1m]))"
            + "\n / sum(rate(http_requests_total{service=\"checkout\",track=\"canary\"}[1m])) > 0.02";

    @Test
    void parsesTheErrorRateRuleIntoTheExpectedTree() throws SyntaxError {
        Condition c = PromqlParser.parse(ERROR_RATE);
        assertEquals(ComparisonOp.GT, c.op());
        assertEquals(new NumberLiteral(0.02), c.rhs());
        Arithmetic div = assertInstanceOf(Arithmetic.class, c.lhs());
        assertEquals(ArithmeticOp.DIV, div.op());
        Aggregation errors = assertInstanceOf(Aggregation.class, div.lhs());
        assertEquals(AggregationOp.SUM, errors.op());
        assertEquals(List.of(), errors.by());
        RangeFunctionCall rate = assertInstanceOf(RangeFunctionCall.class, errors.argument());
        assertEquals(RangeFunction.RATE, rate.function());
        assertEquals(Duration.ofMinutes(1), rate.range());
        assertEquals("http_requests_total", rate.selector().metric());
        assertEquals(3, rate.selector().matchers().size());
        assertTrue(rate.selector().matchers().contains(Matcher.of("code", Matcher.Op.RE, "5..")));
    }

    @Test
    void histogramQuantileWithSumByLe() throws SyntaxError {
        Condition c = PromqlParser.parse("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
                + "{service=\"checkout\"}[5m]))) > 1.0");
        HistogramQuantile h = assertInstanceOf(HistogramQuantile.class, c.lhs());
        assertEquals(0.95, h.phi());
        Aggregation a = assertInstanceOf(Aggregation.class, h.buckets());
        assertEquals(List.of("le"), a.by());
        assertEquals(Duration.ofMinutes(5), ((RangeFunctionCall) a.argument()).range());
    }

    @Test
    void byMayFollowTheArgument() throws SyntaxError {
        assertEquals(PromqlParser.parse("sum by (code, le) (rate(x[1m])) > 1"),
                PromqlParser.parse("sum(rate(x[1m])) by (code, le) > 1"));
    }

    @Test
    void multiplicationBindsTighterAndOperatorsAssociateLeft() throws SyntaxError {
        Condition c = PromqlParser.parse("a + b * c - d / e > 1");
        // ((a + (b * c)) - (d / e))
        Arithmetic sub = assertInstanceOf(Arithmetic.class, c.lhs());
        assertEquals(ArithmeticOp.SUB, sub.op());
        Arithmetic add = assertInstanceOf(Arithmetic.class, sub.lhs());
        assertEquals(ArithmeticOp.ADD, add.op());
        assertEquals(ArithmeticOp.MUL, ((Arithmetic) add.rhs()).op());
        assertEquals(ArithmeticOp.DIV, ((Arithmetic) sub.rhs()).op());

        Arithmetic grouped = (Arithmetic) PromqlParser.parse("a / (b + c) > 1").lhs();
        assertEquals(ArithmeticOp.DIV, grouped.op());
        assertEquals(ArithmeticOp.ADD, ((Arithmetic) grouped.rhs()).op());

        Arithmetic leftAssoc = (Arithmetic) PromqlParser.parse("a - b - c > 1").lhs();
        assertInstanceOf(Arithmetic.class, leftAssoc.lhs());
        assertInstanceOf(VectorSelector.class, leftAssoc.rhs());
    }

    @Test
    void canonicalTextReparsesToTheSameTree() throws SyntaxError {
        for (String text : List.of(ERROR_RATE, "a - (b - c) > 1", "a / (b * c) <= 2", "-1 < max_over_time(m{a!~'x|y'}[90s])",
                "count(last_over_time(up{job=`node`}[5m])) by (job) != 3", "avg(x) * 100 >= 1e3")) {
            Condition c = PromqlParser.parse(text);
            assertEquals(c, PromqlParser.parse(c.toString()), text + " → " + c);
        }
    }

    @Test
    void allFourMatcherOperatorsWithAnchoredRegexes() throws SyntaxError {
        VectorSelector s = (VectorSelector) PromqlParser.parse("m{a=\"1\", b!=\"2\", c=~\"5..\", d!~'x|y',} > 0").lhs();
        assertEquals(4, s.matchers().size());
        Matcher re = s.matchers().stream().filter(m -> m.name().equals("c")).findFirst().orElseThrow();
        assertTrue(re.matchesValue("500"));
        assertFalse(re.matchesValue("5000"), "regexes are anchored at both ends");
        assertFalse(re.matchesValue("1500"));
        Matcher nre = s.matchers().stream().filter(m -> m.name().equals("d")).findFirst().orElseThrow();
        assertTrue(nre.matchesValue(""), "an absent label matches !~ as the empty string");
        assertFalse(nre.matchesValue("x"));
    }

    @Test
    void stringEscapesFollowPromql() throws SyntaxError {
        VectorSelector s = (VectorSelector) PromqlParser.parse("m{a=\"q\\\"\\\\d\", b=`\\d+`, c='it\\'s'} > 0").lhs();
        assertEquals("q\"\\d", value(s, "a"));
        assertEquals("\\d+", value(s, "b"));
        assertEquals("it's", value(s, "c"));
    }

    @Test
    void numbersAndUnaryMinus() throws SyntaxError {
        assertEquals(new NumberLiteral(-0.5), PromqlParser.parse("x > -0.5").rhs());
        assertEquals(new NumberLiteral(1500), PromqlParser.parse("x > 1.5e3").rhs());
        assertEquals(new NumberLiteral(255), PromqlParser.parse("x > 0xff").rhs());
        assertEquals(new NumberLiteral(Double.POSITIVE_INFINITY), PromqlParser.parse("x < Inf").rhs());
        Arithmetic neg = assertInstanceOf(Arithmetic.class, PromqlParser.parse("-x < 0").lhs());
        assertEquals(ArithmeticOp.SUB, neg.op());
    }

    @Test
    void selectorsDifferingOnlyInMatcherOrderAreEqual() throws SyntaxError {
        assertEquals(PromqlParser.parse("m{a=\"1\",b=\"2\"} > 0").lhs(), PromqlParser.parse("m{b=\"2\",a=\"1\"} > 0").lhs());
    }

    /** input | offset of the offending character | a piece of the message. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            rate(x[5m]) offset 1m > 1          | 12 | 'offset' modifier is not supported
            rate(x[5m] offset 1m) > 1          | 11 | 'offset' modifier is not supported
            rate(x offset 1m [5m]) > 1         | 7  | 'offset' modifier is not supported
            x @ 100 > 1                        | 2  | '@' modifier is not supported
            x[5m] > 1                          | 1  | only allowed inside rate()
            rate(x[5m:1m]) > 1                 | 9  | subqueries
            sum(rate(x[5m]))[10m:1m] > 1       | 16 | subqueries
            irate(x[5m]) > 1                   | 0  | function 'irate' is not supported
            foo(x) > 1                         | 0  | unknown function 'foo'
            sum without (a) (x) > 1            | 4  | 'without' is not supported
            sum(x) without (a) > 1             | 7  | 'without' is not supported
            topk(3, x) > 1                     | 0  | aggregation 'topk' is not supported
            quantile(0.9, x) > 1               | 0  | aggregation 'quantile' is not supported
            a / on(b) 2 > 1                    | 2  | only allowed between two vectors
            2 > ignoring(b) a                  | 2  | only allowed between two vectors
            a / on(b c > 1                     | 9  | expected ',' or ')'
            a / on b > 1                       | 7  | '(' and a list of label names after 'on'
            a / on(b, b) c > 1                 | 10 | listed twice
            a * on(b) group_left c > 1         | 10 | group_left is not supported
            a > on(b) ignoring(c) d            | 10 | given twice
            a * group_left c > 1               | 4  | group_left is not supported
            a > bool 1                         | 4  | 'bool' modifier is not supported
            a > 1 > 2                          | 6  | only one comparison
            (a > 1) + 1 > 2                    | 3  | only allowed at the top
            sum(a > 1) > 2                     | 6  | only allowed once
            a                                  | 1  | must end in a comparison
            1 > 2                              | 0  | both sides of the comparison are numbers
            {job=~".*"} > 1                  | 0  | at least one matcher that does not match the empty string
            {job!="x"} > 1                   | 0  | at least one matcher that does not match the empty string
            x{__name__="y"} > 1              | 2  | the metric name is given twice
            {"x", __name__="y"} > 1          | 6  | the metric name is given twice
            {"x", "y"} > 1                   | 6  | the metric name is given twice
            x{""="y"} > 1                    | 2  | a label name must not be empty
            x{a=~"(a)\\\\1"} > 1             | 5  | RE2 syntax
            x{a=~"(?=a)"} > 1                | 5  | RE2 syntax
            x{a=~"("} > 1                    | 5  | invalid regex
            x{a="\\d"} > 1                   | 5  | unknown escape sequence
            x % 2 > 1                          | 2  | operator '%' is not supported
            x ^ 2 > 1                          | 2  | operator '^' is not supported
            x and y > 1                        | 2  | the expression before it has no comparison
            x > 1 and y                        | 11 | must end in a comparison
            x > 1 and                          | 9  | expected a comparison after 'and'
            x > 1 and and y > 1                | 10 | 'and' must join two comparisons
            sum(x and y) > 1                   | 6  | not inside parentheses
            (x > 1 and y > 1)                  | 3  | only allowed at the top
            x > 1 and on(a) group_right y > 1  | 16 | group_right is not supported
            x > 1 or y                         | 6  | set operator 'or'
            x > 1 unless y > 1                 | 6  | set operator 'unless'
            rate(sum(x)) > 1                   | 5  | needs a range selector
            rate(x) > 1                        | 6  | needs a range after the selector
            rate(x[0s]) > 1                    | 7  | longer than zero
            rate(x[5x]) > 1                    | 7  | not a duration
            histogram_quantile(1.5, x) > 1     | 19 | between 0 and 1
            histogram_quantile(q, x) > 1       | 19 | must be a number
            histogram_quantile(0.9, 1) > 1     | 24 | needs bucket series
            sum(x, y) > 1                      | 5  | exactly one argument
            sum(1) > 1                         | 0  | needs series to aggregate
            x > "a"                          | 4  | a string is not an expression
            x{a="b" > 1                      | 8  | expected ',' or '}'
            sum(rate(x[1m]) > 1                | 16 | only allowed once
            sum(rate(x[1m]) + 1                | 19 | ')' to close sum(
            5m > x                             | 0  | durations such as 5m
            x = 1                              | 2  | use == to compare
            x ! 1                              | 2  | did you mean
            x > 1 $                            | 6  | unexpected character '$'
            x{a="\\x+1"} > 1                   | 5  | malformed escape sequence
            x{a="\\uD800"} > 1                 | 5  | not a valid Unicode code point
            """)
    void rejectsWithOffsetAndReason(String input, int offset, String message) {
        SyntaxError e = assertThrows(SyntaxError.class, () -> PromqlParser.parse(input));
        assertTrue(e.getMessage().contains(message), "message for '" + input + "' was: " + e.getMessage());
        assertEquals(offset, e.offset(), "offset for '" + input + "' (" + e.getMessage() + ")");
    }

    /** The relative trigger of docs/rules.md: the canary's error ratio against twice the stable's, and an absolute floor. */
    @Test
    void comparisonsJoinWithAndAndVectorsMatchOnOrIgnoringLabels() throws SyntaxError {
        String canary = "sum by (server) (rate(r_total{server=\"c1\",code=\"5xx\"}[1m])) / sum by (server) (rate(r_total{server=\"c1\"}[1m]))";
        String stable = "sum(rate(r_total{server=\"s1\",code=\"5xx\"}[1m])) / sum(rate(r_total{server=\"s1\"}[1m]))";
        Condition c = PromqlParser.parse(canary + " > on () 2 * " + stable + " and " + canary + " > 0.005");
        assertEquals(new VectorMatching(true, java.util.List.of()), c.matching());
        assertEquals(1, c.and().size());
        assertEquals(VectorMatching.DEFAULT, c.and().get(0).matching());
        assertEquals(new NumberLiteral(0.005), c.and().get(0).comparison().rhs());
        Arithmetic ratio = assertInstanceOf(Arithmetic.class, c.rhs()); // (2 * errors) / total: left to right
        assertEquals(ArithmeticOp.DIV, ratio.op());
        assertEquals(ArithmeticOp.MUL, assertInstanceOf(Arithmetic.class, ratio.lhs()).op());
        assertEquals(c, PromqlParser.parse(c.toString()), c.toString());

        Condition ignoring = PromqlParser.parse("a / ignoring (code, \"x.y\") b > 1 and on (i) c < 2");
        Arithmetic div = assertInstanceOf(Arithmetic.class, ignoring.lhs());
        assertEquals(new VectorMatching(false, java.util.List.of("code", "x.y")), div.matching());
        assertEquals(new VectorMatching(true, java.util.List.of("i")), ignoring.and().get(0).matching());
        assertEquals("a / ignoring (code, \"x.y\") b > 1 and on (i) c < 2", ignoring.toString());
        assertEquals(ignoring, PromqlParser.parse(ignoring.toString()));
        assertEquals(PromqlParser.parse("sum(x) > 1"), PromqlParser.parse("sum by () (x) > 1"));
    }

    @Test
    void rejectsAnEmptyExpression() {
        SyntaxError e = assertThrows(SyntaxError.class, () -> PromqlParser.parse("  "));
        assertEquals("empty expression", e.getMessage());
    }

    /** Fuzzing findings: each number prints as text that parses back to the same value, or is refused with a position. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"x > -0", "x > Inf", "x > -Inf", "x < NaN", "x > 0x1FFFFFFFFFFFFFFFFFF", "-------0 - x > 1"})
    void numbersPrintAsTextThatParsesBackToTheSameValue(String text) throws SyntaxError {
        Condition c = PromqlParser.parse(text);
        assertEquals(c, PromqlParser.parse(c.lhs() + " " + c.op().symbol() + " " + c.rhs()), c.toString());
    }

    @Test
    void digitsOfOtherScriptsAreRefusedWithTheirPosition() {
        // Arabic-Indic four, fullwidth zero: Character.isDigit says yes, Double.parseDouble says no.
        for (String text : List.of("\u06641 > x", "x > \uff10", "x > 1\u0664")) {
            SyntaxError e = assertThrows(SyntaxError.class, () -> PromqlParser.parse(text), text);
            assertTrue(e.offset() >= 0 && e.offset() <= text.length(), e.getMessage());
        }
    }

    /** Fuzzing finding: a name given after a __name__ matcher was taken, but its printed form (name first) was refused. */
    @Test
    void theMetricNameIsGivenOnceWhicheverOrder() {
        for (String text : List.of("{__name__=~\"http_.*_total\", \"x\"} > 0", "{\"x\", __name__=~\"http_.*_total\"} > 0",
                "{__name__=~\"a.*\", __name__=\"b\"} > 1", "b{__name__=~\"a.*\"} > 1")) {
            SyntaxError e = assertThrows(SyntaxError.class, () -> PromqlParser.parse(text), text);
            assertTrue(e.getMessage().contains("given twice"), e.getMessage());
        }
    }

    private static String value(VectorSelector s, String label) {
        return s.matchers().stream().filter(m -> m.name().equals(label)).findFirst().orElseThrow().value();
    }
}
