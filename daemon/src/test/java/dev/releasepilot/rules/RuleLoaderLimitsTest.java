package dev.releasepilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.promql.PromqlParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rule files built to exhaust the loader (deep expressions, deep YAML, huge files, RE2-only regexes,
 * the new matcher syntax) get problems with file:line:column, never an exception.
 */
class RuleLoaderLimitsTest {
    private static final String FILE = "rules.yaml";
    private static final String HEAD = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                triggers:
            """;

    private static Problem onlyError(String text) {
        LoadResult r = RuleLoader.parse(FILE, text);
        assertFalse(r.ok(), "expected an error");
        assertEquals(1, r.errors().size(), () -> r.errors().toString());
        return r.errors().get(0);
    }

    @Test
    void aDeeplyNestedExpressionIsAnErrorAtItsPosition() {
        int n = 20_000; // far beyond the stack of a recursive-descent parser
        String text = HEAD + "      - name: deep\n        expr: " + "(".repeat(n) + "x" + ")".repeat(n) + " > 1\n";
        Problem p = onlyError(text);
        assertEquals(6, p.line());
        assertEquals("        expr: ".length() + PromqlParser.MAX_DEPTH + 1, p.column(), p.toString());
        assertTrue(p.message().startsWith("expr: the expression nests deeper than"), p.message());
    }

    @Test
    void deeplyNestedYamlIsAnErrorAtTheCollectionThatCrossesTheLimit() {
        int n = 20_000;
        Problem flow = onlyError("services: " + "[".repeat(n) + "]".repeat(n) + "\n");
        assertEquals(1, flow.line());
        assertEquals("services: ".length() + YamlLimits.MAX_NESTING, flow.column(), flow.toString());
        assertTrue(flow.message().contains("nested deeper than " + YamlLimits.MAX_NESTING), flow.message());

        StringBuilder block = new StringBuilder("services:\n");
        for (int i = 0; i < 100; i++) {
            block.append("  ".repeat(i + 1)).append("- \n");
        }
        Problem b = onlyError(block.toString());
        assertTrue(b.line() > 1 && b.line() <= YamlLimits.MAX_NESTING + 2, b.toString());
        assertTrue(b.message().contains("nested deeper than"), b.message());
    }

    @Test
    void aFileAboveTheSizeLimitIsRefusedBeforeReading(@TempDir Path tmp) throws Exception {
        Path big = tmp.resolve("big.yaml");
        Files.writeString(big, "# " + "x".repeat(YamlLimits.MAX_BYTES) + "\n");
        LoadResult r = RuleLoader.load(big);
        assertFalse(r.ok());
        assertEquals(big + ":1:1: the rule file is larger than " + YamlLimits.MAX_BYTES + " bytes",
                r.errors().get(0).toString());
    }

    @Test
    void aRegexRe2RefusesIsAnErrorAtTheValue() {
        String text = HEAD + "      - name: paged\n        alert: '{alertname=\"X\", team=~\"(a)\\\\1\"}'\n";
        Problem p = onlyError(text);
        assertEquals(6, p.line());
        assertEquals(text.split("\n")[5].indexOf("\"(a)") + 1, p.column(), p.toString());
        assertTrue(p.message().contains("RE2"), p.message());
        String lookahead = HEAD + "      - name: e\n        expr: x{a=~\"b(?=c)\"} > 1\n";
        Problem q = onlyError(lookahead);
        assertEquals(lookahead.split("\n")[5].indexOf("\"b(?=c)") + 1, q.column(), q.toString());
    }

    @Test
    void aRegexThatWouldExhaustRe2jIsAnErrorAtTheValue() {
        String text = HEAD + "      - name: e\n        expr: x{a=~\"((((a{100}){100}){100}){100})\"} > 1\n";
        Problem p = onlyError(text);
        assertEquals(6, p.line());
        assertEquals(text.split("\n")[5].indexOf("\"((((") + 1, p.column(), p.toString());
        assertTrue(p.message().contains("regex too large"), p.message());
    }

    @Test
    void theNewMatcherAndSelectorSyntaxPassesTheLoader() {
        LoadResult r = RuleLoader.parse(FILE, HEAD + """
                      - name: paged
                        alert: '{"service.name"="checkout", severity=~"critical|page"}'
                      - name: otel-errors
                        expr: sum(rate({"http.server.request.errors", "service.name"="checkout"}[1m])) > 1
                      - name: any-http
                        expr: sum(rate({__name__=~"http_.*_total", job="api"}[1m])) > 100
                """);
        assertTrue(r.ok(), () -> r.errors().toString());
        assertEquals(List.of("paged", "otel-errors", "any-http"),
                r.rules().services().get(0).triggers().stream().map(Trigger::name).toList());
    }
}
