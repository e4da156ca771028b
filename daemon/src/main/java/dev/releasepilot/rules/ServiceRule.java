package dev.releasepilot.rules;


import dev.releasepilot.rules.backend.Backend;
import java.time.Duration;
import java.util.List;

/**
 * Everything the daemon knows about one service.
 *
 * @param ignoreAlertsBeforeRelease alerts whose startsAt predates the current release are stale:
 *                                  recorded, never acted on (they describe the previous version)
 */
public record ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                          boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease) {
    public ServiceRule {
        triggers = List.copyOf(triggers);
    }
}
