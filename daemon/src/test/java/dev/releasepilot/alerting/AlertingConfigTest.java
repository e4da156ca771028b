package dev.releasepilot.alerting;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Binaries;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped Prometheus rules and Alertmanager config pass the real tools' own checks. */
class AlertingConfigTest {
    private static final Path ALERTING = Path.of("..", "alerting");

    @Test
    void prometheusRulesPassPromtool() throws Exception {
        Binaries.runOk(Binaries.require("promtool", "prometheus").toString(), "check", "rules",
                ALERTING.resolve("prometheus-rules.yml").toString());
    }

    @Test
    void theDaemonsOwnAlertRulesPassPromtool() throws Exception {
        String out = Binaries.runOk(Binaries.require("promtool", "prometheus").toString(), "check", "rules",
                ALERTING.resolve("release-pilot-self.yml").toString());
        assertTrue(out.contains("SUCCESS: 11 rules found"), out);
    }

    @Test
    void alertmanagerConfigPassesAmtool() throws Exception {
        Binaries.runOk(Binaries.require("amtool", "prometheus-alertmanager").toString(), "check-config",
                ALERTING.resolve("alertmanager.yml").toString());
    }
}
