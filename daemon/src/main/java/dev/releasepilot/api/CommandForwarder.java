package dev.releasepilot.api;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * Sends a control command on to the instance that holds the service's lease, when several instances
 * share the journal: an operator or a deploy tool may post to any of them.
 */
public interface CommandForwarder {
    /** The header a forwarded request carries (this instance's id): the receiver never forwards it again. */
    String FORWARDED_BY = "X-Release-Pilot-Forwarded-By";
    /** The header of the answer to a forwarded request: which instance took the command. */
    String FORWARDED_TO = "X-Release-Pilot-Forwarded-To";

    /**
     * POSTs {@code body} to {@code path} on instance {@code holder} with the caller's
     * {@code authorization}; completes with the holder's answer, or fails when the holder's address is
     * unknown or it does not answer.
     */
    Future<Answer> forward(String holder, String path, String authorization, Buffer body);

    record Answer(int status, String body) {
    }
}
