package dev.releasepilot.decide;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One alert of an Alertmanager notification. {@code fingerprint + startsAt} identifies one firing
 * episode: the fingerprint alone is a hash of the labels and repeats across re-fires.
 *
 * @param endsAt null while firing (Alertmanager sends year 1 for "unset")
 */
public record AlertSignal(String fingerprint, boolean firing, Instant startsAt, Instant endsAt,
                          Map<String, String> labels, Map<String, String> annotations, String sender,
                          Instant receivedAt, long receivedNanos) implements Signal {
    public AlertSignal {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        annotations = java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    /** The key that makes HA duplicates, retries and repeats of one episode collapse into one. */
    public String episode() {
        return fingerprint + "@" + startsAt;
    }
}
