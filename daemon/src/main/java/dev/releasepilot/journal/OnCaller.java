package dev.releasepilot.journal;

import io.vertx.core.Context;
import java.util.concurrent.RejectedExecutionException;

/**
 * Completes an append on the context of whoever asked for it, so the caller's callbacks run on its own
 * event loop, never on the journal's writer thread. Shared by every journal store.
 */
public final class OnCaller {
    private OnCaller() {
    }

    /**
     * Runs {@code r} on {@code caller}, or right here when there is no caller context (a plain thread
     * asked) or its Vert.x is already closed (nobody waits on that thread any more).
     */
    public static void run(Context caller, Runnable r) {
        if (caller == null) {
            r.run();
            return;
        }
        try {
            caller.runOnContext(v -> r.run());
        } catch (RejectedExecutionException e) {
            r.run();
        }
    }
}
