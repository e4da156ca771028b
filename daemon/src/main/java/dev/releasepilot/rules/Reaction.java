package dev.releasepilot.rules;

/** What a fired trigger makes the daemon do for its service. */
public enum Reaction {
    ROLLBACK, PAUSE, NOTIFY
}
