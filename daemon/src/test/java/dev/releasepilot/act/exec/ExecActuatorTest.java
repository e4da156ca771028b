package dev.releasepilot.act.exec;


import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.ProcessRun;
import dev.releasepilot.act.Weights;
import static dev.releasepilot.act.exec.ExecActuatorContractTest.writeScript;
import static dev.releasepilot.act.UnreachableLbContract.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec actuator running real commands: arguments, environment, exit codes, output, timeouts. */
class ExecActuatorTest {
    @TempDir
    Path dir;
    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Actuator actuator(String script, String args, String timeout) {
        Path file = writeScript(dir.resolve("cmd.sh"), script);
        return Actuators.create(vertx, BackendYaml.parse("""
                type: exec
                command: %s
                args: %s
                stable: [{server: stable, weight: 9}]
                canary: [{server: canary, weight: 1}]
                timeout: %s
                """.formatted(file, args, timeout)));
    }

    @Test
    void argumentsAndEnvironmentCarryTheWeightsWithoutAShell() throws Exception {
        Path out = dir.resolve("seen.txt");
        Actuator a = actuator("""
                #!/bin/sh
                for arg in "$@"; do printf 'arg=%%s\\n' "$arg"; done > %s
                env | grep '^RP_' | sort >> %s
                """.formatted(out, out), "[\"${service}\", \"${canary_weight}\", \"${weights}\", \"$(touch /tmp/x); ${reason}\"]", "5s");
        Weights w = a.apply(new Command.Rollback("checkout", "error-rate")).await(10, TimeUnit.SECONDS);
        assertEquals(Map.of("stable", 9, "canary", 0), w.current());
        List<String> seen = Files.readAllLines(out);
        assertEquals(List.of("arg=checkout", "arg=0", "arg={\"stable\":9,\"canary\":0}", "arg=$(touch /tmp/x); error-rate",
                "RP_CANARY_WEIGHT=0", "RP_COMMAND=rollback", "RP_REASON=error-rate", "RP_SERVICE=checkout",
                "RP_STABLE_WEIGHT=9", "RP_WEIGHTS={\"stable\":9,\"canary\":0}"), seen);
    }

    @Test
    void aNonZeroExitIsRejectedWithWhatTheCommandSaid() {
        Actuator a = actuator("""
                #!/bin/sh
                echo "lb api said: pool checkout is locked" >&2
                exit 3
                """, "[]", "5s");
        ActuationFailure f = failure(a, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason());
        assertFalse(f.retryable());
        assertTrue(f.getMessage().contains("exited with 3") && f.getMessage().contains("pool checkout is locked"), f.getMessage());
    }

    @Test
    void exit75IsATemporaryFailure() {
        ActuationFailure f = failure(actuator("#!/bin/sh\nexit 75\n", "[]", "5s"), new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.SERVER_ERROR, f.reason());
        assertTrue(f.retryable());
    }

    @Test
    void theTimeoutKillsTheWholeProcessGroup() throws Exception {
        Path pids = dir.resolve("pids");
        Actuator a = actuator("""
                #!/bin/sh
                sleep 300 &
                echo "$$ $!" > %s
                wait
                """.formatted(pids), "[]", "500ms");
        ActuationFailure f = failure(a, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.TIMEOUT, f.reason(), f.getMessage());
        assertTrue(f.retryable());
        String[] both = Files.readString(pids).strip().split(" ");
        for (String pid : both) {
            Poll.until("process " + pid + " killed", Duration.ofSeconds(5),
                    () -> ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true));
        }
    }

    @Test
    void printedWeightsAreTheReadBackAndMustMatch() {
        ActuationFailure f = failure(actuator("#!/bin/sh\necho '{\"stable\": 9, \"canary\": 1}'\n", "[]", "5s"),
                new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.VERIFY_MISMATCH, f.reason());
        assertTrue(f.getMessage().contains("canary at 1, wanted 0"), f.getMessage());
    }

    @Test
    void readNeedsTheCommandToPrintTheWeights() throws Exception {
        Actuator silent = actuator("#!/bin/sh\nexit 0\n", "[]", "5s");
        assertEquals(ActuationFailure.Reason.PROTOCOL, failure(silent, new Command.Read("checkout")).reason());
        Actuator printing = actuator("#!/bin/sh\n[ \"$RP_COMMAND\" = read ] && echo '{\"stable\": 9, \"canary\": 0}'\n", "[]", "5s");
        Weights w = printing.apply(new Command.Read("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(Map.of("stable", 9, "canary", 0), w.current());
        assertEquals(Map.of("stable", 9, "canary", 1), w.initial());
    }

    @Test
    void hugeOutputIsCutInTheMessage() {
        ActuationFailure f = failure(actuator("#!/bin/sh\nhead -c 200000 /dev/zero | tr '\\0' x\nexit 1\n", "[]", "5s"),
                new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason());
        assertTrue(f.getMessage().length() < 2 * ProcessRun.STDERR_LIMIT + 500, "message length " + f.getMessage().length());
        assertTrue(f.getMessage().contains("xxxx"));
    }

    @Test
    void aReadBackLongerThanFourKibIsParsedWhole() throws Exception {
        // A pool shared with other services: 300 members of about 20 bytes each, then ours at the end.
        Path pool = dir.resolve("pool.json");
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < 300; i++) {
            json.append("\"other-service-").append(i).append("\": 5, ");
        }
        json.append("\"stable\": 9, \"canary\": 0}");
        Files.writeString(pool, json);
        assertTrue(json.length() > 5_000, "the read-back is " + json.length() + " bytes");
        Actuator a = actuator("#!/bin/sh\ncat " + pool + "\n", "[]", "5s");
        Weights w = a.apply(new Command.Rollback("checkout")).await(10, TimeUnit.SECONDS);
        assertEquals(0, w.current().get("canary"));
        assertEquals(9, w.current().get("stable"));
        assertEquals(5, w.current().get("other-service-299"), "the last member of the pool was parsed");
        assertEquals(w, a.apply(new Command.Read("checkout")).await(10, TimeUnit.SECONDS));
    }

    @Test
    void stdoutPastTheOneMibLimitFailsWithThatReason() {
        ActuationFailure f = failure(actuator("#!/bin/sh\nprintf '{\"stable\": 9, \"canary\": 0, \"pad\": \"'\n"
                + "head -c 1100000 /dev/zero | tr '\\0' x\nprintf '\"}'\n", "[]", "5s"), new Command.Read("checkout"));
        assertEquals(ActuationFailure.Reason.PROTOCOL, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains("1 MiB"), f.getMessage());
        assertTrue(f.getMessage().length() < 2 * ProcessRun.STDERR_LIMIT + 500, "message length " + f.getMessage().length());
    }

    @Test
    void aCommandThatCannotStartIsRejected() {
        Actuator a = Actuators.create(vertx, BackendYaml.parse("""
                type: exec
                command: %s
                stable: [{server: stable}]
                canary: [{server: canary}]
                """.formatted(dir.resolve("missing.sh"))));
        ActuationFailure f = failure(a, new Command.Rollback("checkout"));
        assertEquals(ActuationFailure.Reason.REJECTED, f.reason(), f.getMessage());
    }
}
