package dev.releasepilot.rules.matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.releasepilot.rules.SyntaxError;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the Alertmanager matcher parser: it either refuses the text with a {@link SyntaxError}
 * pointing inside it, or the canonical text of what it parsed parses back to the same matchers.
 * Seeds: MatcherParserFuzzTestInputs/ (Alertmanager's documented forms and the repository's rules).
 */
class MatcherParserFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void parsesBackOrRefusesWithAPosition(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Matchers m;
        try {
            m = MatcherParser.parse(text);
        } catch (SyntaxError e) {
            assertTrue(e.offset() >= 0 && e.offset() <= text.length(), e.offset() + " in " + text.length());
            return;
        }
        try {
            assertEquals(m.all(), MatcherParser.parse(m.toString()).all(), m.toString());
        } catch (SyntaxError e) {
            throw new AssertionError("canonical text '" + m + "' of '" + text + "' does not parse: " + e.getMessage(), e);
        }
    }
}
