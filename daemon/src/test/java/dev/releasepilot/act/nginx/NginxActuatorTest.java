package dev.releasepilot.act.nginx;



import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import static dev.releasepilot.act.UnreachableLbContract.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Nginx;
import dev.releasepilot.peers.SilentServer;
import dev.releasepilot.peers.Traffic;
import dev.releasepilot.rules.backend.NginxBackend;
import dev.releasepilot.rules.backend.WeightedServer;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NGINX-specific behaviour against a real NGINX: the ways a shift goes wrong and what the actuator leaves behind, reload overlap, no-op shifts. */
class NginxActuatorTest {
    @TempDir
    Path dir;
    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private Nginx nginx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
        nginx = new Nginx(dir, stable.address(), canary.address());
    }

    @AfterEach
    void stop() throws Exception {
        nginx.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private NginxBackend backend(String canaryAddress, String generationUrl, Duration verifyTimeout) {
        return new NginxBackend(nginx.upstreamFile, nginx.generationFile, generationUrl,
                List.of(new WeightedServer(stable.address(), 3)), List.of(new WeightedServer(canaryAddress, 1)),
                nginx.binary.toString(), Optional.of(nginx.dir.toString()), Optional.of(nginx.config.toString()),
                Duration.ofSeconds(2), verifyTimeout);
    }

    private Actuator good() {
        return new NginxActuator(vertx, backend(canary.address(), nginx.generationUrl(), Duration.ofSeconds(5)));
    }

    private static Weights await(Actuator a, Command c) throws Exception {
        return a.apply(c).await(20, TimeUnit.SECONDS);
    }

    @Test
    void aRollbackKeepsTheServersAndParametersTheRuleDoesNotOwn() throws Exception {
        NamedUpstream backup = new NamedUpstream(vertx, "backup");
        try {
            Files.writeString(nginx.upstreamFile, """
                    # hand-written: the backup answers when both others are down
                    server %s weight=3 max_fails=0;
                    server %s weight=1 max_fails=0 fail_timeout=5s;
                    server %s backup;
                    """.formatted(stable.address(), canary.address(), backup.address()));
            nginx.start();
            Weights rolledBack = await(good(), new Command.Rollback("checkout"));
            assertEquals(Map.of(stable.address(), 3, canary.address(), 0), rolledBack.current());
            String after = Files.readString(nginx.upstreamFile);
            assertTrue(after.contains("server " + stable.address() + " weight=3 max_fails=0;"), after);
            assertTrue(after.contains("server " + canary.address() + " down max_fails=0 fail_timeout=5s;"), after);
            assertTrue(after.contains("server " + backup.address() + " backup;"), after);
            assertTrue(after.contains("# hand-written"), after);
            assertEquals(Map.of("stable", 50), Traffic.count(nginx.frontendPort, 50));
            assertEquals(rolledBack, await(good(), new Command.Read("checkout")), "a read reports the rule's servers only");

            // What the backup line is for: with stable gone, NGINX answers from it instead of 502.
            stable.close();
            assertEquals(Map.of("backup", 20), Traffic.count(nginx.frontendPort, 20));

            Weights restored = await(good(), new Command.Restore("checkout"));
            assertEquals(1, restored.current().get(canary.address()));
            assertTrue(Files.readString(nginx.upstreamFile).contains("server " + canary.address() + " weight=1 max_fails=0 fail_timeout=5s;"));
        } finally {
            backup.close();
        }
    }

    @Test
    void anIncludeThatCannotBeEditedSafelyIsRefusedWithFileLineColumn() throws Exception {
        Files.writeString(nginx.upstreamFile, "server %s weight=3;\nserver %s\n    weight=1;\n"
                .formatted(stable.address(), canary.address()));
        nginx.start();
        ActuationFailure f = failure(good(), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains(nginx.upstreamFile + ":2:1: a server directive must stand alone on one line"),
                f.getMessage());
        assertTrue(Files.readString(nginx.upstreamFile).contains("\n    weight=1;"), "the file was left alone");
    }

    @Test
    void whenNginxTestFailsTheLastGoodIncludesComeBackAndTrafficKeepsFlowing() throws Exception {
        nginx.start();
        await(good(), new Command.Restore("checkout"));
        byte[] upstreamBefore = Files.readAllBytes(nginx.upstreamFile);
        byte[] generationBefore = Files.readAllBytes(nginx.generationFile);

        // A port NGINX refuses at parse time: `nginx -t` fails on the include Release Pilot wrote. (The
        // rule loader rejects this port too, so the record is built directly, standing in for anything
        // only NGINX can judge, such as an upstream host name that no longer resolves.)
        Actuator broken = new NginxActuator(vertx, backend("127.0.0.1:99999", nginx.generationUrl(), Duration.ofSeconds(5)));
        ActuationFailure f = failure(broken, new Command.Restore("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason(), f.getMessage());
        assertFalse(f.retryable());
        assertTrue(f.getMessage().contains("[emerg]") && f.getMessage().contains("99999")
                && f.getMessage().contains(nginx.upstreamFile.getFileName().toString()), f.getMessage());
        assertTrue(f.getMessage().contains("last good includes are back"), f.getMessage());

        assertArrayEquals(upstreamBefore, Files.readAllBytes(nginx.upstreamFile), "upstream include restored");
        assertArrayEquals(generationBefore, Files.readAllBytes(nginx.generationFile), "generation include restored");
        assertTrue(Files.exists(nginx.upstreamFile.resolveSibling(nginx.upstreamFile.getFileName() + ".last-good")));
        Map<String, Integer> traffic = Traffic.count(nginx.frontendPort, 100);
        assertTrue(traffic.getOrDefault("stable", 0) > 0 && traffic.getOrDefault("canary", 0) > 0,
                "NGINX still serves the previous split: " + traffic);
        // The restored files are a config NGINX accepts: the next shift works as usual.
        assertEquals(0, await(good(), new Command.Rollback("checkout")).current().get(canary.address()));
        assertEquals(Map.of("stable", 100), Traffic.count(nginx.frontendPort, 100), () -> nginx.errorLog() + "\n" + read(nginx.upstreamFile) + read(nginx.generationFile));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void aReloadTheMasterRefusesIsCaughtByTheGenerationReadBack() throws Exception {
        nginx.start();
        Actuator a = new NginxActuator(vertx, backend(canary.address(), nginx.generationUrl(), Duration.ofSeconds(1)));
        await(a, new Command.Restore("checkout"));
        try (SilentServer squatter = new SilentServer()) {
            // `nginx -t` and `-s reload` both pass (neither binds), then the master fails to bind, keeps
            // the old config and logs it: the exit code alone would report a rollback that never happened.
            String conf = Files.readString(nginx.config);
            Files.writeString(nginx.config, conf.replaceFirst("http \\{", "http {\n    server { listen " + squatter.address() + "; }"));
            ActuationFailure f = failure(a, new Command.Rollback("checkout"));
            assertEquals(ActuationFailure.Reason.TIMEOUT, f.reason(), f.getMessage());
            assertTrue(f.getMessage().contains("did not load generation"), f.getMessage());
            Map<String, Integer> traffic = Traffic.count(nginx.frontendPort, 100);
            assertTrue(traffic.getOrDefault("canary", 0) > 0, "the old config still sends canary traffic: " + traffic);
            ActuationFailure read = failure(a, new Command.Read("checkout"));
            assertEquals(ActuationFailure.Reason.VERIFY_MISMATCH, read.reason(), read.getMessage());
            assertTrue(nginx.errorLog().contains("Address already in use"), nginx.errorLog());
        }
    }

    @Test
    void nginxNotRunningIsConnect() {
        ActuationFailure f = failure(good(), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.CONNECT, f.reason(), f.getMessage());
        assertTrue(f.retryable());
        assertTrue(f.getMessage().contains("is NGINX running"), f.getMessage());
    }

    @Test
    void aGenerationEndpointThatHangsIsTimeout() throws Exception {
        nginx.start();
        try (SilentServer hung = new SilentServer()) {
            Actuator a = new NginxActuator(vertx, backend(canary.address(), "http://" + hung.address() + "/__rp_gen/checkout",
                    Duration.ofMillis(800)));
            ActuationFailure f = failure(a, new Command.Rollback("checkout"));
            assertEquals(ActuationFailure.Reason.TIMEOUT, f.reason(), f.getMessage());
            assertTrue(f.retryable());
        }
    }

    @Test
    void everyNewConnectionSeesTheShiftOnceApplyCompletes() throws Exception {
        // NGINX lets old and new workers accept side by side for 100 ms after a reload: an apply that
        // completed on the first sight of the new generation would let some of these requests through
        // to the canary.
        nginx.start();
        Actuator a = good();
        for (int i = 0; i < 4; i++) {
            await(a, new Command.Restore("checkout"));
            await(a, new Command.Rollback("checkout"));
            assertEquals(Map.of("stable", 30), Traffic.count(nginx.frontendPort, 30), "round " + i);
        }
    }

    @Test
    void applyReturnsOnlyOnceThePreviousWorkersStoppedAccepting() throws Exception {
        nginx.start();
        Actuator a = good();
        await(a, new Command.Restore("checkout"));
        List<Long> before = NginxWorkers.acceptingSiblings(answeringWorker());
        assertEquals(2, before.size(), "worker_processes 2: " + before);
        await(a, new Command.Rollback("checkout"));
        for (long pid : before) {
            assertFalse(NginxWorkers.accepting(pid), "worker " + pid + " of the previous generation still accepts");
        }
        List<Long> after = NginxWorkers.acceptingSiblings(answeringWorker());
        assertEquals(2, after.size(), "the new generation's workers: " + after);
        assertTrue(after.stream().noneMatch(before::contains), before + " vs " + after);
    }

    @Test
    void aHandWrittenGenerationWithoutPidStillWaitsForThePreviousWorkers() throws Exception {
        // A generation include written by hand, without $pid.
        Files.writeString(nginx.generationFile, "location = /__rp_gen/checkout { return 200 \"initial\"; }\n");
        nginx.start();
        long started = System.nanoTime(); // the first workers are running by now
        List<Long> before = ProcessHandle.of(nginx.masterPid()).orElseThrow().children().map(ProcessHandle::pid)
                .filter(NginxWorkers::accepting).toList();
        assertEquals(2, before.size(), "worker_processes 2: " + before);
        // Without a pid in the generation, the previous workers are told apart from the new ones by start
        // time (NginxWorkers.acceptingOlderSiblings): they must be at least 50 ms older than the new ones,
        // which holds for any NGINX not reloaded within moments of its own start. Make sure this one is.
        // Age is measured on this JVM's monotonic clock: a process' start instant is derived from the boot
        // time in whole seconds, so comparing it with Instant.now() can be off by most of a second (seen
        // here: the workers looked 200 ms old 0.1 s after NGINX started, and the test failed).
        dev.releasepilot.peers.Poll.until("the first workers to be 200 ms old", java.time.Duration.ofSeconds(5),
                () -> System.nanoTime() - started >= 200_000_000L);
        await(good(), new Command.Rollback("checkout"));
        for (long pid : before) {
            assertFalse(NginxWorkers.accepting(pid), "worker " + pid + " of the previous generation still accepts");
        }
    }

    private long answeringWorker() throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(nginx.generationUrl())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return Long.parseLong(r.body().strip().split(" ")[1]);
    }

    @Test
    void aShiftToTheWeightsAlreadyLiveDoesNotReload() throws Exception {
        nginx.start();
        Actuator a = good();
        await(a, new Command.Rollback("checkout"));
        String generation = Files.readString(nginx.generationFile);
        await(a, new Command.Rollback("checkout"));
        assertEquals(generation, Files.readString(nginx.generationFile), "same generation: no rewrite, no reload");
        String upstream = Files.readString(nginx.upstreamFile);
        assertTrue(upstream.contains(canary.address() + " down;") && !upstream.contains("weight=0"), upstream);
    }
}
