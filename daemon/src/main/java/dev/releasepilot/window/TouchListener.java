package dev.releasepilot.window;

import java.util.List;

/**
 * Told after each accepted batch which registered expressions it affected, so evaluation runs on
 * every sample instead of on a polling interval. Called on the thread that called
 * {@link Appender#commit}; hand the work to the owning context, do not evaluate inline on an
 * ingest event loop if evaluation is heavy.
 */
@FunctionalInterface
public interface TouchListener {
    TouchListener NONE = touches -> { };

    void touched(List<Touch> touches);
}
