package dev.releasepilot.rules;



import dev.releasepilot.rules.backend.BackendParser;
import dev.releasepilot.rules.backend.HaproxyBackend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The loader behind both {@code check} and (re)load: strict keys, every error in one pass, each located
 * as file:line:column (1-based). Expected columns are computed from the fixture text (the column of a
 * marker on a given line) so that the fixtures stay readable.
 */
class RuleLoaderTest {
    private static final String FILE = "rules.yaml";

    private static final String VALID = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be_checkout, stable: [s1], canary: [c1]}
                triggers:
                  - name: paged
                    alert: '{alertname=~"Checkout.*", severity="critical"}'
                cooldown: 10m
            """;

    @Test
    void theExampleRuleFileInTheRepoLoads() {
        LoadResult r = RuleLoader.load(repoFile("rules/example.yaml"));
        assertTrue(r.ok(), () -> "errors: " + r.errors());
        assertEquals(1, r.rules().services().size());
        ServiceRule checkout = r.rules().service("checkout").orElseThrow();
        assertEquals(Reaction.ROLLBACK, checkout.onTrigger());
        assertFalse(checkout.dryRun());
        assertEquals(Duration.ofMinutes(10), checkout.cooldown());
        HaproxyBackend be = assertInstanceOf(HaproxyBackend.class, checkout.backend());
        assertEquals("127.0.0.1:9999", be.address());
        assertEquals("be_checkout", be.backend());
        assertEquals(List.of("stable1"), be.stable());
        assertEquals(List.of("canary1"), be.canary());

        assertEquals(Duration.ofMillis(250), be.statsPoll());
        assertEquals(List.of("error-rate", "p95", "health", "paged", "canary-5xx"),
                checkout.triggers().stream().map(Trigger::name).toList());
        AlertTrigger paged = checkout.triggers().stream().filter(t -> t instanceof AlertTrigger)
                .map(t -> (AlertTrigger) t).findFirst().orElseThrow();
        assertEquals("paged", paged.name());
        assertTrue(paged.evaluated());
        assertTrue(paged.matchers().matches(Map.of("alertname", "CheckoutErrors", "severity", "critical")));
        assertFalse(paged.matchers().matches(Map.of("alertname", "CheckoutErrors", "severity", "warning")));
        ExprTrigger errorRate = assertInstanceOf(ExprTrigger.class, checkout.triggers().get(0));
        assertEquals(Duration.ofSeconds(120), errorRate.forDuration());
        assertNotNull(errorRate.requires());
        ProbeTrigger health = assertInstanceOf(ProbeTrigger.class, checkout.triggers().get(2));
        assertEquals(3, health.consecutiveFailures());
        assertEquals(Duration.ofSeconds(2), health.interval());

        // every trigger kind of the example is evaluated: no warnings.
        assertEquals(List.of(), r.warnings(), () -> "warnings: " + r.warnings());
        for (Problem w : r.warnings()) {
            assertTrue(w.file().endsWith("example.yaml"), w.toString());
            assertTrue(w.line() > 1 && w.column() > 1, w.toString());
        }
    }

    @Test
    void aValidFileLoadsWithDefaults() {
        LoadResult r = RuleLoader.parse(FILE, VALID);
        assertTrue(r.ok(), () -> "errors: " + r.errors());
        assertEquals(List.of(), r.warnings());
        ServiceRule s = r.rules().services().get(0);
        assertEquals(Reaction.ROLLBACK, s.onTrigger());
        assertTrue(s.ignoreAlertsBeforeRelease());
        assertEquals(ServiceRule.DEFAULT_STALE_TOLERANCE, s.staleTolerance());
        assertEquals(BackendParser.DEFAULT_TIMEOUT, s.backend().timeout());
    }

    @Test
    void staleToleranceIsReadAndCheckedLikeAnyDuration() {
        LoadResult r = RuleLoader.parse(FILE, VALID + "    stale_tolerance: 15s\n");
        assertTrue(r.ok(), () -> "errors: " + r.errors());
        assertEquals(Duration.ofSeconds(15), r.rules().services().get(0).staleTolerance());
        String text = VALID + "    stale_tolerance: soon\n";
        Problem p = single(text);
        assertAt(p, text, 8, "soon");
        assertTrue(p.message().startsWith("stale_tolerance"), p.message());
    }

    @Test
    void unknownKey() {
        String text = VALID + "    colldown: 5m\n";
        Problem p = single(text);
        assertAt(p, text, 8, "colldown");
        assertTrue(p.message().contains("unknown key 'colldown'"), p.message());
        assertTrue(p.message().contains("cooldown"), "lists the allowed keys: " + p.message());
    }

    @Test
    void unknownKeyInsideTheBackend() {
        String text = VALID.replace("canary: [c1]}", "canary: [c1], weight: 3}");
        Problem p = single(text);
        assertAt(p, text, 3, "weight");
        assertTrue(p.message().contains("unknown key 'weight'"), p.message());
    }

    @Test
    void badMatcherPointsIntoTheSingleQuotedString() {
        String text = VALID.replace("\"Checkout.*\", severity", "\"Checkout.*\" severity");
        Problem p = single(text);
        assertAt(p, text, 6, "severity");
        assertTrue(p.message().startsWith("alert matcher: expected ','"), p.message());
    }

    @Test
    void badMatcherPointsIntoAPlainString() {
        String text = VALID.replace("'{alertname=~\"Checkout.*\", severity=\"critical\"}'", "alertname=~Checkout.*, severity~critical");
        Problem p = single(text);
        assertAt(p, text, 6, "~critical");
        assertTrue(p.message().contains("expected one of =, !=, =~, !~"), p.message());
    }

    @Test
    void badMatcherPointsIntoADoubleQuotedStringWithEscapes() {
        String text = VALID.replace("'{alertname=~\"Checkout.*\", severity=\"critical\"}'",
                "\"{alertname=~\\\"Checkout.*\\\" severity=\\\"critical\\\"}\"");
        Problem p = single(text);
        assertAt(p, text, 6, "severity");
    }

    @Test
    void badRegexPointsAtTheValue() {
        String text = VALID.replace("\"Checkout.*\"", "\"Checkout(\"");
        Problem p = single(text);
        assertAt(p, text, 6, "\"Checkout(");
        assertTrue(p.message().contains("invalid regex"), p.message());
    }

    @Test
    void badDurationPointsAtTheBadPart() {
        String text = VALID.replace("cooldown: 10m", "cooldown: 1h30x");
        Problem p = single(text);
        assertAt(p, text, 7, "30x");
        assertTrue(p.message().startsWith("cooldown: not a duration"), p.message());
    }

    @Test
    void missingBackend() {
        String text = VALID.replace("    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be_checkout, stable: [s1], canary: [c1]}\n", "");
        Problem p = single(text);
        assertAt(p, text, 2, "name: checkout");
        assertTrue(p.message().contains("service 'checkout' needs a 'backend:'"), p.message());
    }

    @Test
    void backendMissingItsType() {
        String text = VALID.replace("{type: haproxy, ", "{");
        Problem p = single(text);
        assertAt(p, text, 3, "{address");
        assertTrue(p.message().contains("missing required key 'type'"), p.message());
    }

    @Test
    void backendTypeNotSupportedYet() {
        String text = VALID.replace("type: haproxy", "type: kubernetes");
        Problem p = single(text);
        assertAt(p, text, 3, "kubernetes");
        assertTrue(p.message().contains("'kubernetes' is not supported yet"), p.message());
    }

    @Test
    void unknownBackendType() {
        String text = VALID.replace("type: haproxy", "type: traefik");
        Problem p = single(text);
        assertAt(p, text, 3, "traefik");
        assertTrue(p.message().contains("unknown backend type 'traefik'"), p.message());
    }

    @Test
    void duplicateServiceName() {
        String second = VALID.substring(VALID.indexOf("  - name: checkout"));
        String text = VALID + second;
        Problem p = single(text);
        assertAt(p, text, 8, "name: checkout");
        assertTrue(p.message().contains("duplicate service name 'checkout'"), p.message());
    }

    @Test
    void aServiceNameWithAnEmptyDotSeparatedPartIsRefused() {
        for (String bad : new String[] {"check..out", ".checkout", "checkout."}) {
            String text = VALID.replace("name: checkout", "name: '" + bad + "'");
            Problem p = single(text);
            assertTrue(p.message().contains("may not start or end with '.' or hold '..'"), p.message());
        }
        assertTrue(RuleLoader.parse(FILE, VALID.replace("name: checkout", "name: check.out")).ok());
    }

    @Test
    void serverInBothStableAndCanary() {
        String text = VALID.replace("canary: [c1]", "canary: [s1]");
        Problem p = single(text);
        assertAt(p, text, 3, "[s1]}");
        assertTrue(p.message().contains("'s1' is listed as both stable and canary"), p.message());
    }

    @Test
    void yamlSyntaxError() {
        String text = VALID.replace("cooldown: 10m", "cooldown: [10m");
        LoadResult r = RuleLoader.parse(FILE, text);
        assertFalse(r.ok());
        assertNull(r.rules());
        assertEquals(1, r.errors().size(), () -> "errors: " + r.errors());
        Problem p = r.errors().get(0);
        assertTrue(p.message().startsWith("YAML: "), p.message());
        // The flow sequence is never closed: the parser notices at the end of the input.
        assertEquals(8, p.line(), p.toString());
        assertEquals(1, p.column(), p.toString());
    }

    @Test
    void yamlSyntaxErrorInTheMiddleOfALine() {
        String text = VALID.replace("cooldown: 10m", "cooldown: 10m: 5m");
        Problem p = single(text);
        assertTrue(p.message().startsWith("YAML: mapping values are not allowed here"), p.message());
        assertAt(p, text, 7, ": 5m");
    }

    @Test
    void emptyFile() {
        Problem p = single("# nothing here\n");
        assertEquals(1, p.line());
        assertTrue(p.message().contains("empty rule file"), p.message());
    }

    @Test
    void severalErrorsAreAllReportedInOnePass() {
        String text = """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be_checkout, stable: [s1], canary: [c1]}
                    triggers:
                      - name: paged
                        alert: '{alertname=~"Checkout.*" severity="critical"}'
                    colldown: 10m
                  - name: payments
                    backend: {type: kubernetes}
                  - name: search
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be_search, stable: [s1], canary: [s1]}
                    on_trigger: explode
                    cooldown: 5 minutes
                """;
        LoadResult r = RuleLoader.parse(FILE, text);
        assertNull(r.rules());
        List<String> located = r.errors().stream().map(p -> p.line() + ":" + p.column()).toList();
        assertEquals(List.of(
                "6:" + col(text, 6, "severity"),
                "7:" + col(text, 7, "colldown"),
                "9:" + col(text, 9, "kubernetes"),
                "11:" + col(text, 11, "[s1]}"),
                "12:" + col(text, 12, "explode"),
                "13:" + col(text, 13, "5 minutes")), sorted(located), () -> "errors: " + r.errors());
    }

    @Test
    void problemsPrintAsFileLineColumn() {
        String text = VALID + "    colldown: 5m\n";
        Problem p = single(text);
        assertTrue(p.toString().startsWith(FILE + ":8:5: unknown key 'colldown'"), p.toString());
    }

    @Test
    void anUnreadableFileIsAnErrorNotAnException() {
        LoadResult r = RuleLoader.load(Path.of("/nonexistent/rules.yaml"));
        assertFalse(r.ok());
        assertTrue(r.errors().get(0).message().startsWith("cannot read"), r.errors().toString());
    }

    @Test
    void probeDefaultsAreThoseOfLoadBalancersAndStatusesTakeRangesAndLists() {
        String text = VALID.replace("cooldown: 10m", "") + """
                      - name: health
                        probe: {url: "https://127.0.0.1:8443/health"}
                      - name: listed
                        probe: {url: "http://127.0.0.1:8081/h", expect_status: [200, "300-308", 4xx], follow_redirects: true,
                                tls: {insecure_skip_verify: true}}
                """;
        LoadResult r = RuleLoader.parse(FILE, text);
        assertTrue(r.ok(), r.errors().toString());
        List<Trigger> triggers = r.rules().services().get(0).triggers();
        ProbeTrigger health = (ProbeTrigger) triggers.get(1);
        assertEquals(ProbeTrigger.DEFAULT_EXPECT, health.expectStatus());
        assertTrue(health.healthy(204) && health.healthy(301) && health.healthy(308) && !health.healthy(404) && !health.healthy(503));
        assertFalse(health.followRedirects());
        assertEquals(ProbeTrigger.Tls.DEFAULT, health.tls());
        ProbeTrigger listed = (ProbeTrigger) triggers.get(2);
        assertEquals("[200, 300-308, 400-499]", listed.expectStatus().toString());
        assertTrue(listed.followRedirects() && listed.tls().insecureSkipVerify());
    }

    @Test
    void badProbeSettingsPointAtTheValue() {
        String text = VALID.replace("cooldown: 10m", "") + """
                      - name: health
                        probe: {url: "https://h:1/x", expect_status: [200, "399-300"], tls: {ca_file: /nonexistent/ca.pem}}
                """;
        LoadResult r = RuleLoader.parse(FILE, text);
        String e = r.errors().toString();
        assertTrue(e.contains("expect_status takes HTTP statuses (100-599): 200, \"200-399\", \"2xx\" or a list of those, got '399-300'"), e);
        assertTrue(e.contains("ca_file must be an absolute path to a readable PEM file"), e);
        assertEquals(2, r.errors().size(), e);
        int line = 9;
        assertAt(r.errors().get(0), text, line, "\"399-300\"");
    }

    // --- helpers

    private static Problem single(String text) {
        LoadResult r = RuleLoader.parse(FILE, text);
        assertFalse(r.ok(), "expected an error");
        assertNull(r.rules(), "no rules when there are errors");
        assertEquals(1, r.errors().size(), () -> "expected exactly one error, got " + r.errors());
        Problem p = r.errors().get(0);
        assertEquals(FILE, p.file());
        return p;
    }

    /** Asserts the problem is on {@code line} (1-based) at the column where {@code marker} starts on that line. */
    private static void assertAt(Problem p, String text, int line, String marker) {
        assertEquals(line + ":" + col(text, line, marker), p.line() + ":" + p.column(), p.toString());
    }

    private static int col(String text, int line, String marker) {
        String l = text.split("\n", -1)[line - 1];
        int i = l.indexOf(marker);
        if (i < 0) {
            fail("marker '" + marker + "' not on line " + line + ": " + l);
        }
        return i + 1;
    }

    private static List<String> sorted(List<String> lineCols) {
        return lineCols.stream().sorted((a, b) -> {
            String[] x = a.split(":");
            String[] y = b.split(":");
            int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
            return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
        }).toList();
    }

    private static Path repoFile(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
