package dev.releasepilot.rules.matcher;


import dev.releasepilot.rules.SyntaxError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Alertmanager matcher semantics, as the `alert:` trigger and amtool understand them. */
class MatcherParserTest {
    private static final Map<String, String> CHECKOUT = Map.of("alertname", "CheckoutErrors", "severity", "critical",
            "service", "checkout");

    private static Matchers parse(String text) throws SyntaxError {
        return MatcherParser.parse(text);
    }

    @Test
    void parsesTheFourOperators() throws SyntaxError {
        Matchers m = parse("{a=\"1\", b!=\"2\", c=~\"3.*\", d!~\"4.*\"}");
        List<Matcher> all = m.all();
        assertEquals(4, all.size());
        assertEquals(Matcher.Op.EQ, all.get(0).op());
        assertEquals(Matcher.Op.NEQ, all.get(1).op());
        assertEquals(Matcher.Op.RE, all.get(2).op());
        assertEquals(Matcher.Op.NRE, all.get(3).op());
        assertEquals(List.of("a", "b", "c", "d"), all.stream().map(Matcher::name).toList());
        assertEquals(List.of("1", "2", "3.*", "4.*"), all.stream().map(Matcher::value).toList());
    }

    @Test
    void equalityAndInequality() throws SyntaxError {
        assertTrue(parse("severity=\"critical\"").matches(CHECKOUT));
        assertFalse(parse("severity=\"warning\"").matches(CHECKOUT));
        assertTrue(parse("severity!=\"warning\"").matches(CHECKOUT));
        assertFalse(parse("severity!=\"critical\"").matches(CHECKOUT));
    }

    @Test
    void regexIsAnchoredAtBothEnds() throws SyntaxError {
        Matchers m = parse("{alertname=~\"Checkout.*\"}");
        assertTrue(m.matches(Map.of("alertname", "CheckoutErrors")));
        assertTrue(m.matches(Map.of("alertname", "Checkout")));
        assertFalse(m.matches(Map.of("alertname", "XCheckout")), "anchored at the start");
        assertFalse(parse("alertname=~\"Checkout\"").matches(Map.of("alertname", "CheckoutErrors")),
                "anchored at the end");
        assertTrue(parse("alertname=~\"A|Checkout.*\"").matches(Map.of("alertname", "CheckoutErrors")),
                "alternation is grouped inside the anchors");
        assertFalse(parse("alertname=~\"A|B\"").matches(Map.of("alertname", "AB")));
    }

    @Test
    void negativeRegexIsAnchoredToo() throws SyntaxError {
        Matchers m = parse("alertname!~\"Checkout\"");
        assertTrue(m.matches(Map.of("alertname", "CheckoutErrors")), "only a whole-value match excludes");
        assertFalse(m.matches(Map.of("alertname", "Checkout")));
    }

    @Test
    void missingLabelMatchesAsEmptyString() throws SyntaxError {
        Map<String, String> none = Map.of("alertname", "X");
        assertTrue(parse("team=\"\"").matches(none));
        assertFalse(parse("team!=\"\"").matches(none));
        assertTrue(parse("team=~\".*\"").matches(none));
        assertFalse(parse("team=~\".+\"").matches(none));
        assertTrue(parse("team!~\"ops\"").matches(none));
        assertFalse(parse("team=\"ops\"").matches(none));
        assertTrue(parse("team!=\"ops\"").matches(none));
    }

    @Test
    void everyMatcherMustMatch() throws SyntaxError {
        Matchers m = parse("{alertname=~\"Checkout.*\", severity=\"critical\"}");
        assertTrue(m.matches(CHECKOUT));
        assertFalse(m.matches(Map.of("alertname", "CheckoutErrors", "severity", "warning")));
        assertFalse(m.matches(Map.of("alertname", "Payments", "severity", "critical")));
    }

    @Test
    void quotedValuesUnescape() throws SyntaxError {
        assertEquals("say \"hi\"", parse("a=\"say \\\"hi\\\"\"").all().get(0).value());
        assertEquals("back\\slash", parse("a=\"back\\\\slash\"").all().get(0).value());
        assertEquals("two\nlines", parse("a=\"two\\nlines\"").all().get(0).value());
        assertEquals("x, y}", parse("{a=\"x, y}\"}").all().get(0).value(), "commas and braces inside quotes are data");
    }

    @Test
    void unknownEscapesKeepTheirBackslashForRegexes() throws SyntaxError {
        Matcher m = parse("code=~\"5\\d\\d\"").all().get(0);
        assertEquals("5\\d\\d", m.value());
        assertTrue(m.matches(Map.of("code", "503")));
        assertFalse(m.matches(Map.of("code", "5x3")));
    }

    @Test
    void bareValuesAndOptionalBraces() throws SyntaxError {
        Matchers bare = parse("alertname=CheckoutErrors, severity=critical");
        assertEquals(List.of("CheckoutErrors", "critical"), bare.all().stream().map(Matcher::value).toList());
        assertTrue(bare.matches(CHECKOUT));
        Matchers braced = parse("  { alertname = CheckoutErrors ,severity=~crit.* }  ");
        assertEquals(2, braced.all().size());
        assertTrue(braced.matches(CHECKOUT));
        assertEquals("", parse("team=").all().get(0).value(), "an empty bare value is the empty string");
        assertEquals(1, parse("{a=\"1\",}").all().size(), "a trailing comma is tolerated");
    }

    @Test
    void toStringQuotesAndEscapesSoItParsesBack() throws SyntaxError {
        Matchers m = parse("{a=\"say \\\"hi\\\"\", b=~\"x\\\\.y\"}");
        Matchers again = parse(m.toString());
        assertEquals(m.all().stream().map(Matcher::value).toList(), again.all().stream().map(Matcher::value).toList());
        assertEquals("{a=\"say \\\"hi\\\"\", b=~\"x\\\\.y\"}", m.toString());
    }

    @Test
    void syntaxErrorsCarryTheOffset() {
        assertOffset("{alertname~\"x\"}", 10, "expected one of");
        assertOffset("{a=\"1\" b=\"2\"}", 7, "expected ',' or '}'");
        assertOffset("{a=\"1\"", 6, "expected ',' or '}'");
        assertOffset("a=\"unterminated", 2, "unterminated");
        assertOffset("{=\"x\"}", 1, "expected a label name");
        assertOffset("{a=~\"(a)\\\\1\"}", 4, "RE2 syntax");
        assertOffset("{a=~\"x(?!y)\"}", 4, "RE2 syntax");
        assertOffset("{\"a\\qb\"=\"x\"}", 3, "unknown escape sequence");
        assertOffset("{\"\"=\"x\"}", 1, "expected a label name");
        assertOffset("{\"service.name=\"x\"}", 16, "expected one of");
        assertOffset("a=\"1\" }", 6, "unexpected '}'");
        assertOffset("{a=~\"(\"}", 4, "invalid regex");
        assertOffset("{}", 0, "at least one matcher");
        assertOffset("", 0, "at least one matcher");
    }

    private static void assertOffset(String text, int offset, String messagePart) {
        SyntaxError e = assertThrows(SyntaxError.class, () -> MatcherParser.parse(text), text);
        assertTrue(e.getMessage().contains(messagePart), text + " → " + e.getMessage());
        assertEquals(offset, e.offset(), text + " → " + e.getMessage());
    }
}
