package dev.releasepilot.rules;


import dev.releasepilot.rules.backend.Backend;
import dev.releasepilot.rules.notify.NotifyTarget;
import dev.releasepilot.rules.rollout.Rollout;
import java.time.Duration;
import java.util.List;

/**
 * Everything the daemon knows about one service.
 *
 * @param ignoreAlertsBeforeRelease alerts whose startsAt predates the current release are stale:
 *                                  recorded, never acted on (they describe the previous version)
 * @param notifications             where decisions and actions are told (chat, webhooks, the incident hook); may be empty
 * @param whenStableUnavailable     what a rollback does when no stable server can serve
 *                                  ({@code when_stable_unavailable}, default hold)
 * @param staleTolerance            how far before the release an alert's startsAt may lie and still
 *                                  count as this release's: the sender's clock may lag ours
 *                                  ({@code stale_tolerance}, default {@link #DEFAULT_STALE_TOLERANCE})
 * @param reactions                 per trigger, its own {@code on_trigger} where it overrides the service's
 * @param rollout                   the progressive-delivery plan a release walks, or null (a release then
 *                                  only resets the triggers)
 */
public record ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                          boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease,
                          List<NotifyTarget> notifications, WhenStableUnavailable whenStableUnavailable,
                          Duration staleTolerance, java.util.Map<String, Reaction> reactions, Rollout rollout) {
    /** Clock skew between hosts is seconds to minutes (PROTOCOLS.md §6); one minute covers the usual cases. */
    public static final Duration DEFAULT_STALE_TOLERANCE = Duration.ofSeconds(60);

    public ServiceRule {
        triggers = List.copyOf(triggers);
        notifications = List.copyOf(notifications);
        if (staleTolerance == null || staleTolerance.isNegative()) {
            throw new IllegalArgumentException("stale tolerance must be zero or positive");
        }
        reactions = java.util.Map.copyOf(reactions);
    }

    /** A service without per-trigger reactions and without a rollout plan. */
    public ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                       boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease,
                       List<NotifyTarget> notifications, WhenStableUnavailable whenStableUnavailable,
                       Duration staleTolerance) {
        this(name, backend, triggers, onTrigger, dryRun, cooldown, ignoreAlertsBeforeRelease, notifications,
                whenStableUnavailable, staleTolerance, java.util.Map.of(), null);
    }

    /** What {@code trigger} firing makes the service do: its own {@code on_trigger}, else the service's. */
    public Reaction reaction(String trigger) {
        return reactions.getOrDefault(trigger, onTrigger);
    }

    /** A service with the default stale tolerance. */
    public ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                       boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease,
                       List<NotifyTarget> notifications, WhenStableUnavailable whenStableUnavailable) {
        this(name, backend, triggers, onTrigger, dryRun, cooldown, ignoreAlertsBeforeRelease, notifications,
                whenStableUnavailable, DEFAULT_STALE_TOLERANCE);
    }

    /** A service whose rollbacks hold while no stable server can serve (the default), with the default stale tolerance. */
    public ServiceRule(String name, Backend backend, List<Trigger> triggers, Reaction onTrigger,
                       boolean dryRun, Duration cooldown, boolean ignoreAlertsBeforeRelease,
                       List<NotifyTarget> notifications) {
        this(name, backend, triggers, onTrigger, dryRun, cooldown, ignoreAlertsBeforeRelease, notifications,
                WhenStableUnavailable.HOLD);
    }

    /** The earliest startsAt an alert may have and still belong to a release that went live at {@code release}. */
    public java.time.Instant staleBefore(java.time.Instant release) {
        return release.minus(staleTolerance);
    }
}
