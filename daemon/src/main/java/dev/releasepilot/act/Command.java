package dev.releasepilot.act;

/** What an actuator is asked to do. A closed set: every adapter handles each kind. */
public sealed interface Command permits Command.Rollback, Command.Read {
    String service();

    /** Take all traffic off the canary and give the stable servers their configured weights back. */
    record Rollback(String service) implements Command {
    }

    /** Change nothing; report the weights the LB holds now. */
    record Read(String service) implements Command {
    }
}
