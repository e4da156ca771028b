package dev.releasepilot.rules.matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.SyntaxError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The matcher forms of Alertmanager 0.27+ (its UTF-8 parser) beside the classic ones, taken from the
 * examples of Alertmanager's configuration documentation and its parser's test table; and RE2.
 */
class MatcherSyntaxTest {
    private static Matcher one(String text) throws SyntaxError {
        List<Matcher> all = MatcherParser.parse(text).all();
        assertEquals(1, all.size(), text);
        return all.get(0);
    }

    /** input | label name | operator | value: each parses to exactly that one matcher. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {foo="bar"}                  | foo            | =  | bar
            {foo="🙂"}                   | foo            | =  | 🙂
            {foo=bar}                    | foo            | =  | bar
            foo="bar"                    | foo            | =  | bar
            foo=bar                      | foo            | =  | bar
            {foo="bar",}                 | foo            | =  | bar
            foo="bar",                   | foo            | =  | bar
            {foo!="bar"}                 | foo            | != | bar
            {foo=~"[a-z]+"}              | foo            | =~ | [a-z]+
            {foo!~"[a-z]+"}              | foo            | !~ | [a-z]+
            foo = bar                    | foo            | =  | bar
            dings !=bums                 | dings          | != | bums
            {"service.name"="checkout"}  | service.name   | =  | checkout
            "service.name"=checkout      | service.name   | =  | checkout
            service.name=checkout        | service.name   | =  | checkout
            Προμηθεύς=bar                | Προμηθεύς      | =  | bar
            {"foo bar"="baz"}            | foo bar        | =  | baz
            {foo="foo!"}                 | foo            | =  | foo!
            {foo="bar,baz"}              | foo            | =  | bar,baz
            {"\\xf0\\x9f\\x99\\x82"=x}   | 🙂             | =  | x
            {foo="\\u00e9t\\u00e9"}      | foo            | =  | été
            {"a\\"b"=x}                  | a"b            | =  | x
            """)
    void parsesTheDocumentedForms(String input, String name, String op, String value) throws SyntaxError {
        Matcher m = one(input);
        assertEquals(name, m.name());
        assertEquals(op, m.op().text());
        assertEquals(value, m.value());
    }

    @Test
    void escapesInsideQuotedValuesFollowGo() throws SyntaxError {
        assertEquals("bar\n", one("{foo=\"bar\\n\"}").value());
        assertEquals("bar\t", one("{foo=\"bar\\t\"}").value());
        assertEquals("\"bar\"", one("{foo=\"\\\"bar\\\"\"}").value());
        assertEquals("bar\\", one("{foo=\"bar\\\\\"}").value());
        assertEquals("\"baz qux\"", one("foo=\"\\\"baz qux\\\"\"").value());
        assertEquals("5\\d\\d", one("code=~\"5\\d\\d\"").value(), "an escape Go lacks is kept for the regex");
        assertEquals("\\x4", one("a=\"\\x4\"").value(), "a malformed \\x is kept as written");
    }

    @Test
    void severalMatchersInEveryForm() throws SyntaxError {
        for (String text : List.of("{foo=\"bar\",bar!=\"baz\"}", "{foo=bar,bar!=baz}", "foo=\"bar\",bar!=\"baz\"",
                "foo=bar,bar!=baz", "{ foo = bar , bar != baz , }")) {
            Matchers m = MatcherParser.parse(text);
            assertEquals(List.of("foo", "bar"), m.all().stream().map(Matcher::name).toList(), text);
            assertTrue(m.matches(Map.of("foo", "bar", "bar", "x")), text);
            assertFalse(m.matches(Map.of("foo", "bar", "bar", "baz")), text);
        }
    }

    @Test
    void aUtf8LabelOfAnAlertIsMatched() throws SyntaxError {
        Matchers m = MatcherParser.parse("{\"service.name\"=\"checkout\", severity=~\"critical|page\"}");
        assertTrue(m.matches(Map.of("service.name", "checkout", "severity", "page")));
        assertFalse(m.matches(Map.of("service_name", "checkout", "severity", "page")));
        assertEquals("{\"service.name\"=\"checkout\", severity=~\"critical|page\"}", m.toString());
        assertEquals(m.all(), MatcherParser.parse(m.toString()).all(), "the canonical text parses back");
    }

    @Test
    void thePathologicalRegexIsAnsweredByRe2() throws SyntaxError {
        // amtool accepts this matcher; a backtracking engine needs 11.8 s for 28 a's and grows
        // exponentially. RE2 is linear, so 10,000 a's are answered as surely as 28.
        Matcher m = one("{team=~\"((a+)+)+c\"}");
        assertEquals("com.google.re2j.Pattern", m.pattern().getClass().getName());
        assertFalse(m.matches(Map.of("team", "a".repeat(28))));
        assertFalse(m.matches(Map.of("team", "a".repeat(10_000))));
        assertTrue(m.matches(Map.of("team", "aaac")));
    }

    @Test
    void whatRe2RefusesIsASyntaxErrorAtTheValue() {
        for (String re : List.of("(a)\\\\1", "x(?=y)", "x(?!y)", "(?<=x)y", "(?<!x)y", "a++", "(")) {
            String text = "{alertname=\"X\", team=~\"" + re + "\"}";
            SyntaxError e = assertThrows(SyntaxError.class, () -> MatcherParser.parse(text), text);
            assertEquals(text.indexOf("team=~") + 6, e.offset(), text);
            assertTrue(e.getMessage().contains("RE2"), e.getMessage());
        }
    }

    @Test
    void regexesBeyondWhatRe2WouldCompileAreRefusedNotCrashing() {
        // re2j alone overflows its stack on deep nesting and runs out of memory on nested counts.
        for (String re : List.of("(".repeat(100_000) + "a" + ")".repeat(100_000), "((((a{100}){100}){100}){100})",
                "(x{1000}){1000}", "(a|b{500}|c{500}){200}")) {
            String text = "{team=~\"" + re + "\"}";
            SyntaxError e = assertThrows(SyntaxError.class, () -> MatcherParser.parse(text), re.substring(0, Math.min(20, re.length())));
            assertEquals(7, e.offset(), e.getMessage()); // the opening quote of the value
            assertTrue(e.getMessage().contains("nests deeper than") || e.getMessage().contains("too large"),
                    e.getMessage());
        }
    }

    @Test
    void ordinaryRegexesStayWithinTheLimits() throws SyntaxError {
        Map<String, String> labels = Map.of("ip", "10.0.0.1", "host", "web-01", "x", "a{b", "q", "(((");
        for (String m : List.of("ip=~\"(\\d{1,3}\\.){3}\\d{1,3}\"", "host=~\"[a-z]{1,63}-[0-9]{2,}\"",
                "host=~\"[[:alpha:]]+-\\d+\"", "x=~\"a{b\"", "q=~\"\\Q(((\\E\"", "host=~\"w{1000}|web-01\"",
                "host=~\"((((((w)))))|web-01)\"")) {
            assertTrue(MatcherParser.parse(m).matches(labels), m);
        }
    }

    @Test
    void aHugeMatcherListIsRefused() {
        String many = "a=b,".repeat(MatcherParser.MAX_MATCHERS + 1);
        SyntaxError e = assertThrows(SyntaxError.class, () -> MatcherParser.parse(many));
        assertTrue(e.getMessage().contains("more than"), e.getMessage());
    }
}
