package dev.releasepilot.act;

import static dev.releasepilot.act.UnreachableLbContract.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.EndlessReply;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Traffic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every actuator must do against its real load balancer. Each subclass starts the real LB on free
 * loopback ports in front of two real upstreams that answer "stable" and "canary", and the suite sends
 * real requests through the LB to see where traffic goes — a read-back that agrees with itself while
 * traffic goes elsewhere fails here.
 */
public abstract class ActuatorContract {
    public static final int REQUESTS = 100;

    protected Vertx vertx;
    protected NamedUpstream stable;
    protected NamedUpstream canary;
    private Actuator actuator;

    @TempDir
    Path dir;

    /** Starts the LB in front of the two upstreams and returns the actuator that drives it. */
    protected abstract Actuator start(Path dir);

    /** Where requests enter the LB. */
    protected abstract int frontendPort();

    /** The names the actuator's weights use for the stable and the canary server. */
    protected abstract String stableServer();

    protected abstract String canaryServer();

    protected abstract void stop();

    /**
     * Puts the running LB into a state its read-back cannot judge (weights that match no known state, a
     * generation the include files do not hold, a command that prints no weights). Returns false for a
     * kind whose reads always judge (HAProxy and Caddy report what they hold, whatever it is).
     */
    protected abstract boolean makeReadsUnjudgeable() throws Exception;

    /**
     * An actuator of this kind whose LB-facing endpoint is {@code endless} (its HTTP server, or its raw
     * TCP port for HAProxy's runtime API) or, for exec, a command printing more than 1 MiB.
     */
    protected abstract Actuator withEndlessReplies(EndlessReply endless, Path dir) throws Exception;

    /** Adds, on the running LB, configuration the rule does not own (a backup server, a server parameter). */
    protected abstract void addUnmanagedConfig() throws Exception;

    /** Fails unless what {@link #addUnmanagedConfig} added is still in place. */
    protected abstract void assertUnmanagedConfigKept() throws Exception;

    @BeforeEach
    public void startPeers() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
        actuator = start(dir);
    }

    @AfterEach
    public void stopPeers() throws Exception {
        stop();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    protected Weights apply(Command c) throws Exception {
        return actuator.apply(c).await(20, TimeUnit.SECONDS);
    }

    @Test
    public void restoreSplitsTrafficAndRollbackMovesAllOfItToStable() throws Exception {
        Weights restored = apply(new Command.Restore("checkout"));
        assertTrue(restored.current().get(canaryServer()) > 0, "restored canary weight: " + restored);
        assertEquals(restored.initial().get(canaryServer()), restored.current().get(canaryServer()));
        Map<String, Integer> before = Traffic.count(frontendPort(), REQUESTS);
        assertTrue(before.getOrDefault("canary", 0) > 0 && before.getOrDefault("stable", 0) > 0,
                "both upstreams answer while the canary has weight: " + before);
        assertEquals(REQUESTS, before.getOrDefault("canary", 0) + before.getOrDefault("stable", 0), "no errors: " + before);

        Weights rolledBack = apply(new Command.Rollback("checkout"));
        assertEquals(0, rolledBack.current().get(canaryServer()), "read-back after rollback: " + rolledBack);
        assertEquals(rolledBack.initial().get(stableServer()), rolledBack.current().get(stableServer()));
        assertTrue(rolledBack.initial().get(canaryServer()) > 0, "initial keeps the configured canary weight");
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(frontendPort(), REQUESTS), "after the rollback only stable answers");
    }

    /** A rollout step: the canary's share of real requests follows the step, 100 switches everything, 0 drains it. */
    @Test
    public void aShiftGivesTheCanaryItsShareOfTheTraffic() throws Exception {
        Weights fifth = apply(new Command.Shift("checkout", "step 1", 20));
        int c = fifth.current().get(canaryServer());
        int s = fifth.current().get(stableServer());
        assertEquals(0.20, (double) c / (c + s), 0.005, "read-back share: " + fifth);
        Map<String, Integer> split = Traffic.count(frontendPort(), REQUESTS);
        int canaryAnswers = split.getOrDefault("canary", 0);
        assertTrue(canaryAnswers >= 5 && canaryAnswers <= 45, "about a fifth to the canary: " + split);
        assertEquals(REQUESTS, canaryAnswers + split.getOrDefault("stable", 0), "no errors: " + split);

        Weights all = apply(new Command.Shift("checkout", "switch", 100));
        assertEquals(0, all.current().get(stableServer()), "read-back after a switch: " + all);
        assertEquals(Map.of("canary", REQUESTS), Traffic.count(frontendPort(), REQUESTS), "after a switch only the canary answers");

        Weights none = apply(new Command.Shift("checkout", "back", 0));
        assertEquals(0, none.current().get(canaryServer()), "read-back after a shift to 0: " + none);
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(frontendPort(), REQUESTS));
    }

    @Test
    public void readReportsWhatTheLbHoldsAndChangesNothing() throws Exception {
        Weights rolledBack = apply(new Command.Rollback("checkout"));
        assertEquals(rolledBack, apply(new Command.Read("checkout")));
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(frontendPort(), REQUESTS));

        Weights restored = apply(new Command.Restore("checkout"));
        assertEquals(restored, apply(new Command.Read("checkout")));
        assertTrue(Traffic.count(frontendPort(), REQUESTS).getOrDefault("canary", 0) > 0);
    }

    @Test
    public void applyingTheSameRollbackTwiceIsHarmless() throws Exception {
        Weights first = apply(new Command.Rollback("checkout"));
        Weights second = apply(new Command.Rollback("checkout"));
        assertEquals(first, second);
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(frontendPort(), REQUESTS));
        assertEquals(first, apply(new Command.Read("checkout")));
    }

    @Test
    public void readsThatCannotJudgeNeverHoldARollbackBack() throws Exception {
        apply(new Command.Restore("checkout"));
        boolean unjudgeable = makeReadsUnjudgeable();
        // The strictest breaker: one counted failure would open it.
        CircuitBreakingActuator breaker = new CircuitBreakingActuator(actuator, "checkout", "contract", 1,
                Duration.ofHours(1), Clock.systemUTC(), new SimpleMeterRegistry());
        for (int i = 0; i < 3; i++) {
            Future<Weights> read = breaker.apply(new Command.Read("checkout"));
            try {
                read.await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                // judged below
            }
            if (unjudgeable) {
                assertTrue(read.failed(), "the read cannot judge: " + read.result());
                assertNotEquals(ActuationFailure.Reason.CIRCUIT_OPEN, ((ActuationFailure) read.cause()).reason());
            }
        }
        assertEquals(CircuitBreakingActuator.State.CLOSED, breaker.state());
        Weights rolledBack = breaker.apply(new Command.Rollback("checkout")).await(20, TimeUnit.SECONDS);
        assertEquals(0, rolledBack.current().get(canaryServer()), "the rollback's first attempt went through: " + rolledBack);
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(frontendPort(), REQUESTS));
    }

    @Test
    public void aReplyLargerThanOneMibFailsThatCallWithAClearReason() throws Exception {
        long total = 300L << 20;
        try (EndlessReply endless = new EndlessReply(vertx, total)) {
            Actuator a = withEndlessReplies(endless, dir);
            ActuationFailure f = failure(a, new Command.Read("checkout"));
            // PROTOCOL, not TIMEOUT: the call stopped at the limit instead of reading until its deadline.
            assertEquals(ActuationFailure.Reason.PROTOCOL, f.reason(), f.getMessage());
            assertTrue(f.getMessage().contains("1 MiB"), f.getMessage());
            assertTrue(endless.bytesWritten() < total, "the reply was not read to its end: " + endless.bytesWritten());
        }
    }

    @Test
    public void configurationTheRuleDoesNotOwnSurvivesRollbackAndRestore() throws Exception {
        addUnmanagedConfig();
        apply(new Command.Rollback("checkout"));
        assertUnmanagedConfigKept();
        assertEquals(Map.of("stable", REQUESTS), Traffic.count(frontendPort(), REQUESTS));
        apply(new Command.Restore("checkout"));
        assertUnmanagedConfigKept();
    }
}
