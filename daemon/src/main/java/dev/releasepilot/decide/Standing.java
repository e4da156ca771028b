package dev.releasepilot.decide;

import dev.releasepilot.journal.Fence;

/**
 * What this instance may do for one service right now. Closed set: a service controller switches
 * over it before every decision, journal write and actuation.
 */
public sealed interface Standing {
    /** The only instance there is (the embedded file journal): decides and acts, writes unfenced. */
    record Sole() implements Standing {
    }

    /**
     * Holds the service's lease at {@code fence}'s epoch; by this instance's monotonic clock the lease
     * lasts at least until {@code validUntilNanos} ({@code System.nanoTime()} scale).
     */
    record Holder(Fence fence, long validUntilNanos) implements Standing {
        /** Whether the lease lasts at least {@code forNanos} more from {@code nowNanos}. */
        public boolean validFor(long nowNanos, long forNanos) {
            return validUntilNanos - nowNanos >= forNanos;
        }
    }

    /** Another instance holds it, or nobody yet: ingest and evaluate (warm), do not decide or act. */
    record Follower(String holder) implements Standing {
    }

    /**
     * The shared store cannot be reached, so no lease can be held or checked: a rollback (the safe
     * direction, idempotent) is still decided and applied, journaled unfenced (the journal spools it);
     * nothing in the unsafe direction happens until a lease is held again.
     */
    record Disconnected(String why) implements Standing {
    }

    Standing SOLE = new Sole();
}
