package dev.releasepilot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A SIGTERM during the daemon's start: the hook exists already, waits for the start and closes what started. */
class StopOnShutdownTest {
    private final AtomicReference<Thread> hook = new AtomicReference<>();

    @Test
    void aShutdownDuringStartClosesTheDaemonOnceItHasStarted() throws Exception {
        StopOnShutdown stop = StopOnShutdown.register(hook::set, Duration.ofMinutes(1));
        assertNotNull(hook.get(), "the hook is registered before the start, not after");
        AtomicInteger closed = new AtomicInteger();
        assertFalse(stop.requested());
        hook.get().start(); // the JVM begins shutting down while the daemon is still starting
        assertTrue(hook.get().isAlive(), "the hook waits for the start");
        Poll.until("the shutdown is known to the start", Duration.ofSeconds(10), stop::requested);
        stop.started(closed::incrementAndGet);
        hook.get().join();
        stop.awaitStop();
        assertEquals(1, closed.get());
    }

    @Test
    void aFailedStartLeavesNothingToClose() throws Exception {
        StopOnShutdown stop = StopOnShutdown.register(hook::set, Duration.ofMinutes(1));
        stop.started(null);
        hook.get().run();
        stop.awaitStop();
        assertFalse(hook.get().isAlive());
    }

    @Test
    void aShutdownAlreadyUnderWayMeansNoStart() {
        assertNull(StopOnShutdown.register(t -> {
            throw new IllegalStateException("Shutdown in progress");
        }, Duration.ofMinutes(1)));
    }
}
