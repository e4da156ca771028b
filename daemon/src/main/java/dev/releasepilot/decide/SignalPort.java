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
}
