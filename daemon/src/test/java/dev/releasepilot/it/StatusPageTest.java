package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Binaries;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page, rendered by a real headless Chromium: it shows the service, its state and weights. */
class StatusPageTest {
    @TempDir
    Path tmp;

    @Test
    void theStatusPageShowsARolledBackServiceInABrowser() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null)) {
            d.post("/api/v1/alerts/alertmanager", "application/json",
                    Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z"), null);
            Poll.until("rolled back", Duration.ofSeconds(10), () -> d.service("checkout").getString("state").equals("ROLLED_BACK"));

            Path chromium = Binaries.require("chromium", "chromium");
            Path shot = tmp.resolve("status.png");
            List<String> common = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + tmp.resolve("chrome"), "--virtual-time-budget=3000");
            String dom = run(concat(common, "--dump-dom", d.url() + "/"));
            assertTrue(dom.contains("<td>checkout</td>"), dom);
            assertTrue(dom.contains("class=\"ROLLED_BACK\">ROLLED_BACK"), dom);
            assertTrue(dom.contains("canary1=0"), dom);
            assertTrue(dom.contains("rollback @ "), dom);

            run(concat(common, "--window-size=1100,400", "--screenshot=" + shot, d.url() + "/"));
            assertTrue(Files.size(shot) > 1000, "a screenshot was written");
            Path keep = Path.of("target", "status-page.png"); // for a human to look at after the build
            Files.copy(shot, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
        assertEquals(0, p.exitValue(), "chromium exit code; output: " + out);
        return out;
    }
}
