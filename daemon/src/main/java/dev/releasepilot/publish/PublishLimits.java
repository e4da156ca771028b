package dev.releasepilot.publish;

import java.time.Duration;

/**
 * How much the event publisher may hold and how long it waits.
 *
 * @param queueLimit  events waiting to be published; beyond it an event is dropped (counted)
 * @param maxInFlight JetStream publishes sent and not yet acknowledged; while at it, events wait in the queue
 * @param ackTimeout  how long a JetStream publish waits for its ack before it counts as failed
 * @param attempts    sends of one event to JetStream before a failed ack drops it (counted); a resend carries
 *                    the same Nats-Msg-Id, so the server stores it once
 */
public record PublishLimits(int queueLimit, int maxInFlight, Duration ackTimeout, int attempts) {
    public static final PublishLimits DEFAULTS = new PublishLimits(10_000, 256, Duration.ofSeconds(5), 3);

    public PublishLimits {
        if (queueLimit < 1 || maxInFlight < 1 || attempts < 1 || ackTimeout.isNegative() || ackTimeout.isZero()) {
            throw new IllegalArgumentException("event publishing limits must be positive");
        }
    }

    public PublishLimits withQueueLimit(int limit) {
        return new PublishLimits(limit, maxInFlight, ackTimeout, attempts);
    }

    public PublishLimits withAckTimeout(Duration timeout) {
        return new PublishLimits(queueLimit, maxInFlight, timeout, attempts);
    }
}
