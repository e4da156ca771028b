package dev.releasepilot.rules.backend;



import dev.releasepilot.rules.Trigger;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.Problem;
import dev.releasepilot.rules.RuleLoader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code stats_poll:} key of an haproxy backend, through the real loader: values, defaults, errors with positions. */
class StatsPollKeyTest {
    private static String file(String statsPoll, String backend) {
        return """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: %s, stable: [s1], canary: [c1]%s}
                    triggers:
                      - name: paged
                        alert: '{alertname="X"}'
                """.formatted(backend, statsPoll == null ? "" : ", stats_poll: " + statsPoll);
    }

    private static HaproxyBackend load(String statsPoll) {
        LoadResult r = RuleLoader.parse("rules.yaml", file(statsPoll, "be_checkout"));
        assertTrue(r.ok(), () -> r.errors().toString());
        return assertInstanceOf(HaproxyBackend.class, r.rules().services().get(0).backend());
    }

    @Test
    void offUnlessAsked() {
        assertFalse(load(null).pollsStats());
        assertEquals(Duration.ZERO, load(null).statsPoll());
        assertFalse(load("false").pollsStats());
    }

    @Test
    void trueMeansEvery250msAndADurationIsTaken() {
        assertEquals(Duration.ofMillis(250), load("true").statsPoll());
        assertEquals(Duration.ofMillis(100), load("100ms").statsPoll());
        assertEquals(Duration.ofMillis(50), load("50ms").statsPoll());
        assertEquals(Duration.ofSeconds(1), load("1s").statsPoll());
        assertTrue(load("1s").pollsStats());
    }

    @Test
    void belowTheMinimumIsAnErrorAtTheValue() {
        String text = file("10ms", "be_checkout");
        LoadResult r = RuleLoader.parse("rules.yaml", text);
        assertFalse(r.ok());
        assertEquals(1, r.errors().size(), () -> r.errors().toString());
        Problem p = r.errors().get(0);
        assertEquals("stats_poll must be at least 50ms, got 10ms", p.message());
        assertEquals(3, p.line());
        assertEquals(text.split("\n")[2].indexOf("10ms") + 1, p.column());
    }

    @Test
    void notADurationIsAnErrorAtTheOffendingCharacter() {
        String text = file("250xs", "be_checkout");
        LoadResult r = RuleLoader.parse("rules.yaml", text);
        assertFalse(r.ok());
        Problem p = r.errors().get(0);
        assertTrue(p.message().startsWith("stats_poll (true, false or an interval such as 250ms): not a duration"), p.message());
        assertEquals(3, p.line());
        assertEquals(text.split("\n")[2].indexOf("250xs") + 1, p.column());
    }

    @Test
    void aBackendNameThatCannotGoOnTheCliLineIsRejectedWhenPolled() {
        String text = file("250ms", "'be;clear counters all'");
        LoadResult r = RuleLoader.parse("rules.yaml", text);
        assertFalse(r.ok());
        Problem p = r.errors().get(0);
        assertTrue(p.message().contains("is not an HAProxy proxy name"), p.message());
        assertEquals(text.split("\n")[2].indexOf("'be;") + 1, p.column());
        // Without polling the name is the actuator's business, as before.
        assertTrue(RuleLoader.parse("rules.yaml", file(null, "'be;x'")).ok());
    }

    @Test
    void theExampleFileTurnsPollingOnForItsBackend() {
        LoadResult r = RuleLoader.load(repoFile("rules/haproxy-stats-example.yaml"));
        assertTrue(r.ok(), () -> r.errors().toString());
        HaproxyBackend be = assertInstanceOf(HaproxyBackend.class, r.rules().services().get(0).backend());
        assertEquals(Duration.ofMillis(250), be.statsPoll());
        assertEquals(List.of("canary1"), be.canary());
        assertEquals(List.of("canary-5xx-ratio", "canary-response-time"),
                r.rules().services().get(0).triggers().stream().map(Trigger::name).toList());
    }

    private static Path repoFile(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
