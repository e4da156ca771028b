package dev.releasepilot.rules;


import dev.releasepilot.rules.backend.Backend;
import dev.releasepilot.rules.notify.NotifyTarget;
import java.time.Duration;
import java.util.List;

/**
 * Everything the daemon knows about one service.
 *
 * @param ignoreAlertsBeforeRelease alerts whose startsAt predates the current release are stale:
 *                                  recorded, never acted on (they describe the previous version)
 * @param notifications where decisions and actions are told (chat, webhooks, the incident hook); may be empty
 * @param whenStableUnavailable     what a rollback does when no stable server can serve
 *                                  ({@code when_stable_unavailable}, default hold)
 */
public record ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                          boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease,
                          List<NotifyTarget> notifications, WhenStableUnavailable whenStableUnavailable) {
    public ServiceRule {
        triggers = List.copyOf(triggers);
        notifications = List.copyOf(notifications);
    }

    /** A service whose rollbacks hold while no stable server can serve (the default). */
    public ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                       boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease,
                       List<NotifyTarget> notifications) {
        this(name, backend, triggers, onTrigger, dryRun, cooldown, ignoreAlertsBeforeRelease, notifications,
                WhenStableUnavailable.HOLD);
    }
}
