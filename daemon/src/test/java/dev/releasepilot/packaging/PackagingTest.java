package dev.releasepilot.packaging;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Binaries;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ships beside the jar passes the real tools' own checks: the systemd unit and the Grafana dashboard. */
class PackagingTest {
    private static final Path INFRA = Path.of("..", "infra");
    /** Grafana's built-in interval variables, and the dashboard's own label-value variable. */
    private static final Pattern VARIABLE = Pattern.compile("\\$(\\{)?(\\w+)");

    @TempDir
    Path tmp;

    @Test
    void theSystemdUnitIsHardenedToAnExposureOfTwoOrLess() throws Exception {
        String out = Binaries.runOk(Binaries.require("systemd-analyze", "systemd").toString(), "security", "--offline=yes",
                "--no-pager", INFRA.resolve("systemd/release-pilot.service").toString());
        Matcher m = Pattern.compile("Overall exposure level for release-pilot.service: (\\d+\\.\\d+)").matcher(out);
        assertTrue(m.find(), out);
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 2.0, "exposure " + exposure + " > 2.0:\n" + out);
        String unit = Files.readString(INFRA.resolve("systemd/release-pilot.service"));
        assertTrue(unit.contains("StateDirectory=release-pilot") && unit.contains("ProtectSystem=strict"), unit);
        assertTrue(unit.contains("--data-dir /var/lib/release-pilot"), "the journal lives in the state directory");
    }

    /**
     * Every panel query of the dashboard, with Grafana's variables given sample values, is a valid
     * PromQL expression: promtool checks them as recording rules. Only {@code $__rate_interval},
     * {@code $__interval} and label-value variables inside quotes are allowed.
     */
    @Test
    void everyDashboardQueryPassesPromtool() throws Exception {
        JsonObject dashboard = new JsonObject(Files.readString(INFRA.resolve("grafana/release-pilot-dashboard.json")));
        List<String> labelVariables = new ArrayList<>();
        for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
            JsonObject var = (JsonObject) v;
            if ("query".equals(var.getString("type"))) {
                labelVariables.add(var.getString("name"));
            }
        }
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        JsonArray panels = dashboard.getJsonArray("panels");
        assertFalse(panels.isEmpty());
        int n = 0;
        for (Object p : panels) {
            JsonObject panel = (JsonObject) p;
            JsonArray targets = panel.getJsonArray("targets", new JsonArray());
            assertFalse(targets.isEmpty(), "panel without a query: " + panel.getString("title"));
            for (Object t : targets) {
                String expr = ((JsonObject) t).getString("expr");
                Matcher m = VARIABLE.matcher(expr);
                while (m.find()) {
                    String name = m.group(2);
                    if (name.equals("__rate_interval") || name.equals("__interval")) {
                        continue;
                    }
                    assertTrue(labelVariables.contains(name), "unknown variable $" + name + " in " + expr);
                    assertTrue(expr.contains("\"$" + name + "\""), "$" + name + " must stand inside quotes: " + expr);
                }
                String concrete = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s");
                for (String v : labelVariables) {
                    concrete = concrete.replace("$" + v, "checkout");
                }
                rules.append("      - record: dashboard:panel_").append(++n).append('\n')
                        .append("        expr: '").append(concrete.replace("'", "''")).append("'\n");
            }
        }
        Path file = tmp.resolve("dashboard-rules.yml");
        Files.writeString(file, rules);
        String out = Binaries.runOk(Binaries.require("promtool", "prometheus").toString(), "check", "rules", file.toString());
        assertTrue(out.contains("SUCCESS: " + n + " rules found"), out);
    }
}
