package dev.releasepilot.rules;

import java.time.Duration;

/**
 * A PromQL-subset condition over streamed samples. Parsed and kept, not evaluated in this build:
 * {@code check} reports it as "not supported yet" and the daemon never acts on it.
 */
public record ExprTrigger(String name, String expr, Duration forDuration, String requires) implements Trigger {
    @Override
    public boolean evaluated() {
        return false;
    }
}
