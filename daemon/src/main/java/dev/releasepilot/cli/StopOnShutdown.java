package dev.releasepilot.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Closes the daemon when the JVM shuts down, whenever the signal comes. The hook is registered before
 * the daemon starts: a SIGTERM that arrives while it is starting would otherwise make the late
 * {@code addShutdownHook} throw "Shutdown in progress" and leave a half-started daemon (its journal
 * open) to be halted. A hook that runs during the start waits for it, bounded, then closes what started;
 * a start that fails because the shutdown began under it (Vert.x registers a hook of its own while it
 * starts) ends quietly.
 */
final class StopOnShutdown {
    private final CountDownLatch startEnded = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Duration startWait;
    private volatile Runnable close;
    private volatile boolean requested;

    private StopOnShutdown(Duration startWait) {
        this.startWait = startWait;
    }

    /**
     * Registers the hook through {@code addHook} (normally {@code Runtime::addShutdownHook}); null when
     * shutdown has already begun, so there is nothing to start.
     */
    static StopOnShutdown register(Consumer<Thread> addHook, Duration startWait) {
        StopOnShutdown stop = new StopOnShutdown(startWait);
        try {
            addHook.accept(new Thread(stop::onShutdown, "shutdown"));
        } catch (IllegalStateException shutdownInProgress) {
            return null;
        }
        return stop;
    }

    /** The start ended: with what to close on shutdown, or null when it failed. */
    void started(Runnable closeDaemon) {
        close = closeDaemon;
        startEnded.countDown();
    }

    /** Blocks until the shutdown hook has closed the daemon. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Whether the JVM has begun shutting down. A start that fails meanwhile failed because of it (libraries
     * refuse to register their own hooks then: "Shutdown in progress"), which is a stop, not an error.
     */
    boolean requested() {
        return requested;
    }

    void onShutdown() {
        requested = true;
        try {
            if (startEnded.await(startWait.toMillis(), TimeUnit.MILLISECONDS) && close != null) {
                close.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("shutdown: " + e.getMessage());
        } finally {
            stopped.countDown();
        }
    }
}
