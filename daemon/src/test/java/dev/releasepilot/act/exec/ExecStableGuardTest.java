package dev.releasepilot.act.exec;

import static dev.releasepilot.act.exec.ExecActuatorContractTest.writeScript;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec backend's optional health check ({@code health_check: true}) with a real command that keeps
 * an LB's weights in a file and reports the stable server down while a maintenance flag file exists.
 */
class ExecStableGuardTest {
    @TempDir
    Path dir;
    private Vertx vertx;
    private Path weights;
    private Path maint;
    private Actuator actuator;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        weights = dir.resolve("weights.json");
        maint = dir.resolve("stable.maint");
        Files.writeString(weights, "{\"stable\":9,\"canary\":1}");
        Path script = writeScript(dir.resolve("lb.sh"), """
                #!/bin/sh
                case "$RP_COMMAND" in
                  health) if [ -e %2$s ]; then echo '{"stable": "maint"}'; else echo '{"stable": true}'; fi ;;
                  read) cat %1$s ;;
                  *) printf '%%s' "$RP_WEIGHTS" > %1$s; cat %1$s ;;
                esac
                """.formatted(weights, maint));
        actuator = Actuators.create(vertx, BackendYaml.parse("""
                type: exec
                command: %s
                args: ["${command}"]
                stable: [{server: stable, weight: 9}]
                canary: [{server: canary, weight: 1}]
                health_check: true
                """.formatted(script)));
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aStableServerReportedDownHoldsTheRollbackUntilItIsUp() throws Exception {
        Files.writeString(maint, "");
        try {
            actuator.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
            fail("the rollback should be held");
        } catch (Throwable t) {
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            ActuationFailure f = (ActuationFailure) t;
            assertEquals(ActuationFailure.Reason.STABLE_UNAVAILABLE, f.reason(), f.getMessage());
            assertEquals("maint", f.observed().health().get("stable").state());
            assertEquals(Map.of("stable", 9, "canary", 1), f.observed().current(), "the evidence has the weights read");
        }
        assertEquals("{\"stable\":9,\"canary\":1}", Files.readString(weights), "nothing written");

        Files.delete(maint);
        Weights w = actuator.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
        assertEquals(Map.of("stable", 9, "canary", 0), w.current());
        assertTrue(w.serves("stable"), w::toString);
    }
}
