package dev.releasepilot.act;

import dev.releasepilot.rules.WhenStableUnavailable;

/** What an actuator is asked to do. A closed set: every adapter handles each kind. */
public sealed interface Command permits Command.Rollback, Command.Restore, Command.Shift, Command.Read {
    String service();

    /** Why, in words for the LB's own audit trail (HTTP {@code ${reason}}, exec {@code RP_REASON}). */
    String reason();

    /** A bounded word for the kind: {@code rollback}, {@code restore}, {@code shift} or {@code read}. */
    String kind();

    /**
     * Take all traffic off the canary and give the stable servers weights that serve. Before the canary
     * is drained, the actuator checks (where its LB tells) that at least one stable server can take the
     * traffic; if none can, {@code whenStableUnavailable} says whether to hold (fail with
     * {@code STABLE_UNAVAILABLE}, change nothing) or drain anyway.
     */
    record Rollback(String service, String reason, WhenStableUnavailable whenStableUnavailable) implements Command {
        /** A rollback whose reason is just "rollback"; decide passes the trigger's name when it has one. */
        public Rollback(String service) {
            this(service, "rollback");
        }

        /** A rollback that holds while no stable server can serve (the default policy). */
        public Rollback(String service, String reason) {
            this(service, reason, WhenStableUnavailable.HOLD);
        }

        @Override
        public String kind() {
            return "rollback";
        }
    }

    /**
     * Give every server, canary included, its configured weight again: the inverse of a rollback (a new
     * release, an operator's resume, and the benchmarks that alternate the two).
     */
    record Restore(String service, String reason) implements Command {
        public Restore(String service) {
            this(service, "restore");
        }

        @Override
        public String kind() {
            return "restore";
        }
    }

    /**
     * Give the canary {@code canaryPercent} of the service's traffic (a rollout step): 0 drains the
     * canary like a rollback, 100 drains the stable servers (a blue-green switch, a canary's last step),
     * and a share in between becomes absolute weights on the two sides ({@link ShareWeights}).
     */
    record Shift(String service, String reason, int canaryPercent) implements Command {
        public Shift {
            if (canaryPercent < 0 || canaryPercent > 100) {
                throw new IllegalArgumentException("a canary share is 0..100 percent, got " + canaryPercent);
            }
        }

        @Override
        public String kind() {
            return "shift";
        }
    }

    /** Change nothing; report the weights the LB holds now. */
    record Read(String service) implements Command {
        @Override
        public String reason() {
            return "read";
        }

        @Override
        public String kind() {
            return "read";
        }
    }
}
