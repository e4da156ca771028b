package dev.releasepilot.window;

/**
 * A batch changed the windows that the expressions registered under {@code key} read: evaluate them.
 * {@code oldestMs}..{@code newestMs} is the span of event time the batch brought for them.
 */
public record Touch(String key, long oldestMs, long newestMs) {
}
