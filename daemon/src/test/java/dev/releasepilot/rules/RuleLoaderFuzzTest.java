package dev.releasepilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the rule loader (YAML, backends, PromQL, matchers together): whatever the text, it answers
 * with rules or with problems, never with an exception and never through its last-resort "internal
 * error" problem. Seeds: RuleLoaderFuzzTestInputs/ (the repository's rules/*.yaml and variants).
 */
class RuleLoaderFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void answersWithRulesOrProblems(byte[] file) {
        LoadResult r = RuleLoader.parse("fuzz.yaml", new String(file, StandardCharsets.UTF_8));
        assertEquals(r.errors().isEmpty(), r.rules() != null, r.errors().toString());
        for (Problem p : r.errors()) {
            assertFalse(p.message().startsWith("cannot check this file (internal error"), p.toString());
        }
    }
}
