package dev.releasepilot.rules;

/** A condition that, when it fires, makes the service react. */
public sealed interface Trigger permits AlertTrigger, ExprTrigger, ProbeTrigger, JudgeTrigger {
    String name();

    /** Trigger kinds that parse but that this build does not evaluate yet return false. */
    default boolean evaluated() {
        return true;
    }
}
