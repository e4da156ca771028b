package dev.releasepilot.journal.pg;

/**
 * The PostgreSQL journal cannot be opened: a URL that does not parse, a database that cannot be
 * reached or refuses the login, a schema newer than this build knows. The message is one sentence
 * for the operator; start-up prints it and exits, no stack trace.
 */
public final class PgStartFailure extends Exception {
    public PgStartFailure(String message) {
        super(message, null, false, false);
    }
}
