package dev.releasepilot.act.nginx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.ActuationFailure;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NginxIncludesTest {
    @Test
    void aServerAtZeroIsDownNeverWeightZero() {
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put("127.0.0.1:8081", 95);
        w.put("127.0.0.1:8082", 0);
        String text = NginxIncludes.upstream("checkout", Path.of("/etc/nginx/checkout.conf"), null, w);
        assertTrue(text.contains("server 127.0.0.1:8081 weight=95;\n") && text.contains("server 127.0.0.1:8082 down;\n"), text);
        assertFalse(text.contains("weight=0"));
        assertEquals(w, NginxIncludes.parseUpstream(text));
    }

    @Test
    void onlyTheWeightsOfTheRulesServersChangeAndRewritingIsIdempotent() {
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put("10.0.0.1:80", 0);
        w.put("10.0.0.2:80", 5);
        w.put("10.0.0.3:80", 2);
        String existing = """
                keepalive 16;
                server 10.0.0.1:80 weight=9 max_fails=0; # the canary
                  server 10.0.0.2:80 down slow_start=0 weight=4;
                server 10.0.0.9:80 backup;
                """;
        Path file = Path.of("/etc/nginx/checkout.conf");
        String text = NginxIncludes.upstream("checkout", file, existing, w);
        assertTrue(text.startsWith("# Managed by Release Pilot for service checkout"), text);
        assertTrue(text.contains("\nkeepalive 16;\nserver 10.0.0.1:80 down max_fails=0; # the canary\n"
                + "  server 10.0.0.2:80 weight=5 slow_start=0;\nserver 10.0.0.9:80 backup;\nserver 10.0.0.3:80 weight=2;\n"), text);
        assertEquals(text, NginxIncludes.upstream("checkout", file, text, w), "a second rewrite changes nothing");
    }

    @Test
    void aServerListedTwiceIsRefusedAtItsSecondLine() {
        ActuationFailure f = org.junit.jupiter.api.Assertions.assertThrows(ActuationFailure.class, () -> NginxIncludes.upstream(
                "checkout", Path.of("/x.conf"), "server a:1 weight=1;\n\n   server a:1 weight=2;\n", Map.of("a:1", 3)));
        assertTrue(f.getMessage().contains("/x.conf:3:4: server a:1 is listed twice"), f.getMessage());
    }

    @Test
    void parsingReadsWhatNginxWouldUse() {
        String text = """
                # server 10.0.0.9:80 weight=100;
                server 10.0.0.1:80;
                server 10.0.0.2:80 weight=7 max_fails=3;
                server unix:/run/app.sock weight=2 down;
                """;
        assertEquals(Map.of("10.0.0.1:80", 1, "10.0.0.2:80", 7, "unix:/run/app.sock", 0), NginxIncludes.parseUpstream(text));
    }

    @Test
    void theGenerationRoundTripsAndCarriesTheWorkerPid() {
        String text = NginxIncludes.generation("checkout", "/__rp_gen/checkout", "ab12-7");
        assertTrue(text.contains("location = /__rp_gen/checkout {") && text.contains("return 200 \"ab12-7 $pid\";"), text);
        assertEquals("ab12-7", NginxIncludes.parseGeneration(text));
        assertEquals("initial", NginxIncludes.parseGeneration("location = /g { return 200 \"initial\"; }"));
        assertNull(NginxIncludes.parseGeneration("# return 200 \"commented\";\n"));
    }
}
