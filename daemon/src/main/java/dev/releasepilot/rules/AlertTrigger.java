package dev.releasepilot.rules;

/** Fires when Alertmanager delivers a firing alert whose labels match. */
public record AlertTrigger(String name, Matchers matchers) implements Trigger {
}
