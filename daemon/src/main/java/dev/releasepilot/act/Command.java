package dev.releasepilot.act;

/** What an actuator is asked to do. A closed set: every adapter handles each kind. */
public sealed interface Command permits Command.Rollback, Command.Restore, Command.Read {
    String service();

    /** Why, in words for the LB's own audit trail (HTTP {@code ${reason}}, exec {@code RP_REASON}). */
    String reason();

    /** A bounded word for the kind: {@code rollback}, {@code restore} or {@code read}. */
    String kind();

    /** Take all traffic off the canary and give the stable servers their configured weights back. */
    record Rollback(String service, String reason) implements Command {
        /** A rollback whose reason is just "rollback"; decide passes the trigger's name when it has one. */
        public Rollback(String service) {
            this(service, "rollback");
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
