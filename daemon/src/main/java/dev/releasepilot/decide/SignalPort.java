package dev.releasepilot.decide;

import io.vertx.core.Future;
import java.util.List;

/** Where ingest hands alerts and probe results to the decide stage. Samples do not come here: they go to the window stage's {@code SampleSink}. */
@FunctionalInterface
public interface SignalPort {
    /**
     * Completes once every signal that changed some service's state is journaled; fails when the
     * journal could not take it, so the sender retries (Alertmanager retries a 5xx).
     */
    Future<Void> accept(List<Signal> signals);

    /**
     * Whether some service's alert trigger matches an alert with these labels, so a receiver keeps only
     * the alerts that matter out of a large group; one that none matches is counted as unmatched. Safe
     * from any thread. By default every alert is kept.
     */
    default boolean admit(java.util.Map<String, String> labels) {
        return true;
    }
}
