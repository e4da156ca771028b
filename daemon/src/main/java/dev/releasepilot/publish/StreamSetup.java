package dev.releasepilot.publish;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * Makes sure the event stream exists: creates it when it is missing, and otherwise uses it as it is.
 * A stream an operator made or changed is never overwritten or deleted (its events may be all someone
 * has of an incident); a difference from the configured settings is logged once. Blocking (JetStream
 * API requests): only the publisher's own thread calls it, never an event loop.
 */
final class StreamSetup {
    private static final Logger LOG = Logger.getLogger(StreamSetup.class.getName());
    /** JetStream API error codes (nats-server's errors.json). */
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int STREAM_NAME_IN_USE = 10058;

    enum Outcome { CREATED, EXISTS, FAILED }

    private final EventStream stream;
    private final Duration timeout;
    private boolean mismatchLogged;
    private boolean failureLogged;

    StreamSetup(EventStream stream, Duration timeout) {
        this.stream = stream;
        this.timeout = timeout;
    }

    Outcome ensure(Connection connection) {
        try {
            JetStreamManagement jsm = connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(timeout).build());
            Outcome outcome;
            StreamInfo info = find(jsm);
            if (info == null) {
                try {
                    jsm.addStream(stream.configuration());
                    LOG.info("created JetStream stream " + stream.name() + " for " + EventStream.SUBJECTS
                            + " (file storage, max age " + EventStream.describe(stream.maxAge()) + ", max bytes " + stream.maxBytes() + ")");
                    outcome = Outcome.CREATED;
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                        throw e;
                    }
                    info = find(jsm); // another daemon created it a moment ago: use theirs
                    outcome = Outcome.EXISTS;
                }
            } else {
                outcome = Outcome.EXISTS;
            }
            if (info != null) {
                checkSettings(info);
            }
            failureLogged = false;
            return outcome;
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            if (!failureLogged) {
                LOG.warning("cannot set up JetStream stream " + stream.name() + ": " + e.getMessage()
                        + "; events are still published and stored if a stream takes " + EventStream.SUBJECTS
                        + " (acks tell), and the daemon tries again");
                failureLogged = true;
            }
            return Outcome.FAILED;
        }
    }

    private StreamInfo find(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(stream.name());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private void checkSettings(StreamInfo info) {
        List<String> differences = stream.differences(info.getConfiguration());
        if (!differences.isEmpty() && !mismatchLogged) {
            mismatchLogged = true;
            LOG.warning("JetStream stream " + stream.name() + " exists with other settings than configured: "
                    + String.join("; ", differences) + ". Using it as it is (the daemon never changes or deletes an"
                    + " existing stream; edit it with 'nats stream edit " + stream.name() + "' if that is wanted)");
        }
    }
}
