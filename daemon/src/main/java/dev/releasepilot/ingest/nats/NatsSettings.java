package dev.releasepilot.ingest.nats;

import java.time.Duration;
import java.util.List;

/**
 * How to talk to NATS.
 *
 * @param url                  e.g. {@code nats://127.0.0.1:4222}
 * @param subjects             subjects (wildcards allowed) carrying JSON samples
 * @param reconnectWaitMin     first wait between reconnect rounds; doubles each round up to the max
 * @param reconnectWaitMax     longest wait between reconnect rounds (reconnects never give up)
 * @param reconnectBufferBytes what jnats holds of outgoing messages while disconnected; beyond it a
 *                             publish is refused (and counted as a dropped event)
 * @param pendingMessages      messages received but not yet decoded; beyond it jnats drops them
 *                             (slow consumer, counted)
 * @param maxInFlightBatches   decoded messages waiting for the sink or inside it; beyond it new
 *                             batches are dropped (counted) rather than queued on an event loop
 */
public record NatsSettings(String url, List<String> subjects, Duration reconnectWaitMin, Duration reconnectWaitMax,
                           long reconnectBufferBytes, int pendingMessages, int maxInFlightBatches) {
    public NatsSettings {
        subjects = List.copyOf(subjects);
        for (String subject : subjects) {
            // NATS subjects are dot-separated non-empty tokens without whitespace ('*' and '>' as wildcards).
            if (subject.isEmpty() || subject.startsWith(".") || subject.endsWith(".") || subject.contains("..")
                    || subject.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("invalid NATS subject '" + subject + "'");
            }
        }
        if (reconnectWaitMin.isNegative() || reconnectWaitMax.compareTo(reconnectWaitMin) < 0) {
            throw new IllegalArgumentException("reconnect waits must satisfy 0 <= min <= max");
        }
        if (reconnectBufferBytes < 0 || pendingMessages < 1 || maxInFlightBatches < 1) {
            throw new IllegalArgumentException("NATS buffer limits must be positive");
        }
    }

    public static NatsSettings defaults(String url, List<String> subjects) {
        return new NatsSettings(url, subjects, Duration.ofMillis(100), Duration.ofSeconds(5), 8L * 1024 * 1024,
                200_000, 20_000);
    }

    public NatsSettings withReconnectWait(Duration min, Duration max) {
        return new NatsSettings(url, subjects, min, max, reconnectBufferBytes, pendingMessages, maxInFlightBatches);
    }
}
