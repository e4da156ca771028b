package dev.releasepilot.act.nginx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NginxIncludesTest {
    @Test
    void aServerAtZeroIsDownNeverWeightZero() {
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put("127.0.0.1:8081", 95);
        w.put("127.0.0.1:8082", 0);
        String text = NginxIncludes.upstream("checkout", w);
        assertTrue(text.contains("server 127.0.0.1:8081 weight=95;\n") && text.contains("server 127.0.0.1:8082 down;\n"), text);
        assertFalse(text.contains("weight=0"));
        assertEquals(w, NginxIncludes.parseUpstream(text));
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
