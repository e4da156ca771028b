package dev.releasepilot.publish;

import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JetStream stream that keeps decision and action events for replay: subjects
 * {@code release-pilot.events.>}, file storage, and a retention limit in age and in bytes (the oldest
 * events go first), so a stream nobody reads cannot fill the server's disk.
 *
 * @param name     stream name, e.g. {@code RELEASE_PILOT_EVENTS}
 * @param maxAge   events older than this are removed
 * @param maxBytes the stream keeps at most this many bytes; past it the oldest events are removed
 */
public record EventStream(String name, Duration maxAge, long maxBytes) {
    public static final String SUBJECTS = "release-pilot.events.>";
    public static final String DEFAULT_NAME = "RELEASE_PILOT_EVENTS";
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
    public static final long DEFAULT_MAX_BYTES = 1024L * 1024 * 1024;
    /** The server's own default window for Nats-Msg-Id de-duplication; shortened when max age is shorter. */
    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);

    public EventStream {
        // JetStream stream names are one token: no whitespace, '.', '*', '>', or path separators.
        if (name == null || name.isEmpty() || name.chars().anyMatch(ch -> Character.isWhitespace(ch)
                || ch == '.' || ch == '*' || ch == '>' || ch == '/' || ch == '\\')) {
            throw new IllegalArgumentException("invalid JetStream stream name '" + name
                    + "' (one word: no spaces, '.', '*', '>', '/' or '\\')");
        }
        if (maxAge == null || maxAge.isNegative() || maxAge.isZero() || maxAge.toMillis() < 1_000) {
            throw new IllegalArgumentException("the stream's max age must be at least 1s, got " + maxAge);
        }
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("the stream's max bytes must be at least 1024, got " + maxBytes);
        }
    }

    public static EventStream defaults() {
        return new EventStream(DEFAULT_NAME, DEFAULT_MAX_AGE, DEFAULT_MAX_BYTES);
    }

    /** What the daemon creates when the stream is missing. */
    StreamConfiguration configuration() {
        return StreamConfiguration.builder()
                .name(name)
                .description("Release Pilot decisions and actions, one subject per service")
                .subjects(SUBJECTS)
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .maxAge(maxAge)
                .maxBytes(maxBytes)
                .duplicateWindow(maxAge.compareTo(DUPLICATE_WINDOW) < 0 ? maxAge : DUPLICATE_WINDOW)
                .build();
    }

    /** How an existing stream of this name differs from what the daemon would create; empty when it does not. */
    List<String> differences(StreamConfiguration existing) {
        List<String> d = new ArrayList<>();
        if (!existing.getSubjects().contains(SUBJECTS)) {
            d.add("subjects " + existing.getSubjects() + " (the daemon publishes on " + SUBJECTS + ")");
        }
        if (existing.getStorageType() != StorageType.File) {
            d.add("storage " + existing.getStorageType() + " (the daemon asks for file)");
        }
        if (!maxAge.equals(existing.getMaxAge())) {
            d.add("max age " + describe(existing.getMaxAge()) + " (configured " + describe(maxAge) + ")");
        }
        if (existing.getMaxBytes() != maxBytes) {
            d.add("max bytes " + (existing.getMaxBytes() < 0 ? "unlimited" : existing.getMaxBytes())
                    + " (configured " + maxBytes + ")");
        }
        return d;
    }

    static String describe(Duration d) {
        return d == null || d.isZero() ? "unlimited" : d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
