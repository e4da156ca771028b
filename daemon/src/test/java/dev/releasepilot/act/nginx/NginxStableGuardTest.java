package dev.releasepilot.act.nginx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.Nginx;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Traffic;
import dev.releasepilot.rules.backend.NginxBackend;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NGINX's variant of the stable-availability check against a real NGINX: a stable server an operator
 * marked {@code down} in the managed include holds the rollback (the canary keeps serving); a
 * {@code backup} stable server takes the traffic once the canary is drained, so it does not.
 */
class NginxStableGuardTest {
    static final int REQUESTS = 20;

    @TempDir
    Path dir;

    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private Nginx nginx;

    @BeforeEach
    void startUpstreams() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
    }

    @AfterEach
    void stop() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** NGINX started with {@code stableParams} on the stable server's line of the include. */
    private Actuator start(String stableParams) throws Exception {
        nginx = new Nginx(dir, stable.address(), canary.address());
        Files.writeString(nginx.upstreamFile, "server " + stable.address() + " " + stableParams + ";\nserver "
                + canary.address() + " weight=1;\n");
        nginx.start();
        NginxBackend b = BackendYaml.parse("""
                type: nginx
                upstream_file: %s
                generation_file: %s
                generation_url: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                nginx: %s
                prefix: %s
                config: %s
                """.formatted(nginx.upstreamFile, nginx.generationFile, nginx.generationUrl(), stable.address(),
                canary.address(), nginx.binary, nginx.dir, nginx.config));
        return Actuators.create(vertx, b);
    }

    /** What an operator does by hand: edit the include, reload. */
    private void operatorWritesAndReloads(String include) throws Exception {
        Files.writeString(nginx.upstreamFile, include);
        Process p = new ProcessBuilder(nginx.binary.toString(), "-p", nginx.dir.toString(), "-c", nginx.config.toString(),
                "-s", "reload").redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, new String(p.getInputStream().readAllBytes()));
    }

    private static ActuationFailure failure(Actuator a, Command c) {
        try {
            a.apply(c).await(20, TimeUnit.SECONDS);
        } catch (Throwable t) {
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            assertTrue(t instanceof ActuationFailure, "an ActuationFailure, got " + t);
            return (ActuationFailure) t;
        }
        return fail("expected " + c + " to fail");
    }

    @Test
    void aStableServerMarkedDownHoldsTheRollbackUntilItIsBack() throws Exception {
        Actuator a = start("down");
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(nginx.frontendPort, REQUESTS));
        String before = Files.readString(nginx.upstreamFile);

        ActuationFailure f = failure(a, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.STABLE_UNAVAILABLE, f.reason(), f.getMessage());
        assertEquals("down", f.observed().health().get(stable.address()).state());
        assertEquals(before, Files.readString(nginx.upstreamFile), "nothing written");
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(nginx.frontendPort, REQUESTS), "no 502 blackhole");

        operatorWritesAndReloads("server " + stable.address() + " weight=3;\nserver " + canary.address() + " weight=1;\n");
        Poll.until("stable back in rotation", Duration.ofSeconds(10),
                () -> Traffic.count(nginx.frontendPort, REQUESTS).getOrDefault("stable", 0) > 0);
        Weights w = a.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
        assertTrue(w.serves(stable.address()), w::toString);
        assertEquals(0, w.current().get(canary.address()));
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(nginx.frontendPort, REQUESTS));
    }

    @Test
    void aBackupStableServerIsEnoughBecauseADrainedCanaryHandsItTheTraffic() throws Exception {
        Actuator a = start("weight=3 backup");
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(nginx.frontendPort, REQUESTS));
        Weights w = a.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
        assertEquals(0, w.current().get(canary.address()));
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(nginx.frontendPort, REQUESTS));
        assertTrue(List.of("up", "backup").contains(w.health().get(stable.address()).state()), w::toString);
    }
}
