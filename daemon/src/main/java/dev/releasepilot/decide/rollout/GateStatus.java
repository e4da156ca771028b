package dev.releasepilot.decide.rollout;

import java.util.Collection;

/**
 * Where a step's gates stand together. PASS: every gate passes, the hold counts. WAIT: no gate fails but
 * one has no data (or is unknown, as right after a restart): the hold stands still, neither counting nor
 * lost. FAIL: a gate's trigger is pending or firing: the hold starts again from zero.
 */
public enum GateStatus {
    PASS, WAIT, FAIL;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static GateStatus of(Collection<GateReading> gates) {
        if (gates.stream().anyMatch(GateReading::fails)) {
            return FAIL;
        }
        return gates.stream().allMatch(GateReading::passes) ? PASS : WAIT;
    }
}
