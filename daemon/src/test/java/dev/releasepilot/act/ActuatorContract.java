package dev.releasepilot.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Traffic;
import io.vertx.core.Vertx;
import java.nio.file.Path;
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
}
