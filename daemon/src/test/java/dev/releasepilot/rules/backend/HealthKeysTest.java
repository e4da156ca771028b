package dev.releasepilot.rules.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.Problem;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.WhenStableUnavailable;
import org.junit.jupiter.api.Test;

/** The rule keys of the stable-availability check: {@code when_stable_unavailable} and an http backend's {@code read.healthy}. */
class HealthKeysTest {
    private static final String HTTP = """
            services:
              - name: checkout
                backend:
                  type: http
                  stable: [{server: stable, weight: 3}]
                  canary: [{server: canary, weight: 1}]
                  request: {method: PUT, url: "http://127.0.0.1:1/api/${service}", body: '{"w": ${weights}}'}
                  read:
                    url: http://127.0.0.1:1/api/${service}
                    expect: '$.servers[1].weight == ${canary_weight}'
                    healthy:
                      %s
                triggers:
                  - name: paged
                    alert: '{alertname="X"}'
                %s
            """;

    private static String errors(LoadResult r) {
        return String.join("\n", r.errors().stream().map(Problem::toString).toList());
    }

    @Test
    void defaultsToHoldAndTakesDrain() {
        LoadResult hold = RuleLoader.parse("r.yaml", HTTP.formatted("stable: '$.servers[0].state == \"up\"'", ""));
        assertTrue(hold.ok(), errors(hold));
        assertEquals(WhenStableUnavailable.HOLD, hold.rules().services().get(0).whenStableUnavailable());
        HttpBackend b = (HttpBackend) hold.rules().services().get(0).backend();
        assertEquals("$.servers[0].state == \"up\"", b.read().orElseThrow().healthy().get("stable").text());

        LoadResult drain = RuleLoader.parse("r.yaml", HTTP.formatted("stable: '$.servers[0].state == \"up\"'",
                "when_stable_unavailable: drain"));
        assertTrue(drain.ok(), errors(drain));
        assertEquals(WhenStableUnavailable.DRAIN, drain.rules().services().get(0).whenStableUnavailable());
    }

    @Test
    void badValuesAreErrorsWithTheirPosition() {
        LoadResult policy = RuleLoader.parse("r.yaml", HTTP.formatted("stable: '$.servers[0].state == \"up\"'",
                "when_stable_unavailable: wait"));
        assertFalse(policy.ok());
        assertTrue(errors(policy).contains("r.yaml:16:30") && errors(policy).contains("hold, drain"), errors(policy));

        LoadResult unknown = RuleLoader.parse("r.yaml", HTTP.formatted("stable9: '$.servers[0].state == \"up\"'", ""));
        assertFalse(unknown.ok());
        assertTrue(errors(unknown).contains("r.yaml:12:") && errors(unknown).contains("'stable9' is not a server"),
                errors(unknown));

        LoadResult unquoted = RuleLoader.parse("r.yaml", HTTP.formatted("stable: '$.servers[0].state == up'", ""));
        assertFalse(unquoted.ok());
        assertTrue(errors(unquoted).contains("quote strings"), errors(unquoted));
    }
}
