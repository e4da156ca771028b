package dev.releasepilot.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.SilentServer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How every network-driven actuator fails when its LB is gone or hung: CONNECT when nothing listens,
 * TIMEOUT (within the configured timeout, not TCP's minutes) when the LB accepts and never answers.
 * Both are retryable: a restarted LB can take the command.
 */
public abstract class UnreachableLbContract {
    public static final Duration TIMEOUT = Duration.ofMillis(300);
    protected Vertx vertx;

    /** An actuator whose LB API is at {@code hostPort}, with {@link #TIMEOUT} as its per-call timeout. */
    protected abstract Actuator actuatorFor(String hostPort);

    @BeforeEach
    public void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    public void stopVertx() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    public static ActuationFailure failure(Actuator a, Command c) {
        Throwable t = assertThrows(Throwable.class, () -> a.apply(c).await(20, TimeUnit.SECONDS));
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        assertTrue(t instanceof ActuationFailure, "an ActuationFailure, got " + t);
        return (ActuationFailure) t;
    }

    @Test
    public void nothingListeningIsConnect() {
        Actuator a = actuatorFor("127.0.0.1:" + FreePort.get());
        for (Command c : new Command[] {new Command.Rollback("checkout"), new Command.Read("checkout")}) {
            ActuationFailure f = failure(a, c);
            assertEquals(ActuationFailure.Reason.CONNECT, f.reason(), f.getMessage());
            assertTrue(f.retryable());
        }
    }

    @Test
    public void anLbThatAcceptsAndNeverAnswersIsTimeout() {
        try (SilentServer hung = new SilentServer()) {
            Actuator a = actuatorFor(hung.address());
            long t0 = System.nanoTime();
            ActuationFailure f = failure(a, new Command.Rollback("checkout"));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ActuationFailure.Reason.TIMEOUT, f.reason(), f.getMessage());
            assertTrue(f.retryable());
            assertTrue(tookMs < 10_000, "gave up after its own timeout, not TCP's: " + tookMs + " ms");
        }
    }
}
