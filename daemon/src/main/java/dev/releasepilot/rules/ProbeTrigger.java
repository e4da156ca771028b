package dev.releasepilot.rules;

import java.time.Duration;

/** An active HTTP health probe. Parsed and kept, not evaluated in this build. */
public record ProbeTrigger(String name, String url, Duration interval, Duration timeout, int consecutiveFailures)
        implements Trigger {
    @Override
    public boolean evaluated() {
        return false;
    }
}
