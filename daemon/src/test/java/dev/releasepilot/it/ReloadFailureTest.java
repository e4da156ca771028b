package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.peers.Haproxy;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule file built to crash the loader, delivered by {@code /-/reload}: the reload fails with the
 * reason and its file:line:column, the reason is logged, the reload metric drops to 0, and the
 * running rules stay.
 */
class ReloadFailureTest {
    @TempDir
    Path tmp;

    @Test
    void aDeeplyNestedExpressionFailsTheReloadLoudlyAndKeepsTheRules() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger daemonLog = Logger.getLogger(Daemon.class.getName());
        daemonLog.addHandler(capture);
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            String deep = "(".repeat(20_000) + "x" + ")".repeat(20_000) + " > 1";
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            String good = Files.readString(rules);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), "s3cret")) {
                assertEquals(200, d.post("/-/reload", null, "", "s3cret").statusCode());
                assertTrue(d.metrics().contains("release_pilot_config_last_reload_successful 1.0"));

                Files.writeString(rules, good.replace("alert: '{alertname=~\"Checkout.*\", severity=\"critical\"}'",
                        "expr: " + deep));
                HttpResponse<String> r = d.post("/-/reload", null, "", "s3cret");
                assertEquals(400, r.statusCode(), r.body());
                String error = new JsonObject(r.body()).getString("error");
                assertTrue(error.contains("rules.yaml:7:115: expr: the expression nests deeper than 100 levels"), error);
                assertTrue(d.metrics().contains("release_pilot_config_last_reload_successful 0.0"));
                assertTrue(logged.stream().anyMatch(m -> m.startsWith("reload failed") && m.contains("nests deeper")),
                        logged.toString());
                assertTrue(d.service("checkout").getJsonObject("expr_triggers").isEmpty(),
                        "the running rules (one alert trigger, no expr trigger) stay");

                Files.writeString(rules, good);
                assertEquals(200, d.post("/-/reload", null, "", "s3cret").statusCode());
                assertTrue(d.metrics().contains("release_pilot_config_last_reload_successful 1.0"));
            }
        } finally {
            daemonLog.removeHandler(capture);
        }
    }
}
