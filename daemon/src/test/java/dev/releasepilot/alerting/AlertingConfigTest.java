package dev.releasepilot.alerting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Binaries;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped Prometheus rules and Alertmanager config pass the real tools' own checks. */
class AlertingConfigTest {
    private static final Path ALERTING = Path.of("..", "alerting");

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void prometheusRulesPassPromtool() throws Exception {
        run(Binaries.require("promtool", "prometheus").toString(), "check", "rules",
                ALERTING.resolve("prometheus-rules.yml").toString());
    }

    @Test
    void theDaemonsOwnAlertRulesPassPromtool() throws Exception {
        String out = run(Binaries.require("promtool", "prometheus").toString(), "check", "rules",
                ALERTING.resolve("release-pilot-self.yml").toString());
        assertTrue(out.contains("SUCCESS: 10 rules found"), out);
    }

    @Test
    void alertmanagerConfigPassesAmtool() throws Exception {
        run(Binaries.require("amtool", "prometheus-alertmanager").toString(), "check-config",
                ALERTING.resolve("alertmanager.yml").toString());
    }
}
