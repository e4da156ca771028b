package dev.releasepilot.rules.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.releasepilot.rules.SyntaxError;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the PromQL-subset parser: it either refuses the text with a {@link SyntaxError} pointing
 * inside it, or its canonical text parses back to the same tree. Seeds: PromqlParserFuzzTestInputs/
 * (the expressions of the repository's rule files and tests).
 */
class PromqlParserFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void parsesBackOrRefusesWithAPosition(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Condition c;
        try {
            c = PromqlParser.parse(text);
        } catch (SyntaxError e) {
            assertTrue(e.offset() >= 0 && e.offset() <= text.length(), e.offset() + " in " + text.length());
            return;
        }
        String canonical = c.toString();
        try {
            assertEquals(c, PromqlParser.parse(canonical), canonical);
        } catch (SyntaxError e) {
            throw new AssertionError("canonical text '" + canonical + "' of '" + text + "' does not parse: "
                    + e.getMessage(), e);
        }
    }
}
