package dev.releasepilot.ingest.haproxy;

/** A poll of HAProxy's stats that did not produce an answer: connect refused, timeout, closed, garbled. */
final class StatsPollFailure extends RuntimeException {
    enum Kind {
        CONNECT,
        TIMEOUT,
        /** HAProxy closed a connection that was open: an idle CLI session timing out, a worker exiting. */
        CLOSED,
        PROTOCOL
    }

    private final Kind kind;

    StatsPollFailure(Kind kind, String message) {
        super(message, null, false, false); // expected while HAProxy is down: no stack trace to fill
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
