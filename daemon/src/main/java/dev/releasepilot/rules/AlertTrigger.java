package dev.releasepilot.rules;


import dev.releasepilot.rules.matcher.Matchers;
/** Fires when Alertmanager delivers a firing alert whose labels match. */
public record AlertTrigger(String name, Matchers matchers) implements Trigger {
}
