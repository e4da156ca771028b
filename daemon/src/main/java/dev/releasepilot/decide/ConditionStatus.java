package dev.releasepilot.decide;

/**
 * A tracker's answer after one observation.
 *
 * @param sinceMs event time at which the current state began
 * @param fired   this observation opened a firing episode (the moment to react, once per episode)
 * @param cleared this observation closed one (the condition stayed false for clear_for)
 */
public record ConditionStatus(ConditionState state, long sinceMs, boolean fired, boolean cleared) {
}
