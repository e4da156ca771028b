package dev.releasepilot.peers;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition with a deadline, polling; the alternative to sleeping in tests. */
public final class Poll {
    private Poll() {
    }

    public static <T> T until(String what, Duration timeout, Callable<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                T v = probe.call();
                if (v != null && !Boolean.FALSE.equals(v)) {
                    return v;
                }
            } catch (Exception | AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(20); // polling interval of the wait loop, not a wait for time to pass
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                + (last == null ? "" : " (last error: " + last + ")"));
    }
}
