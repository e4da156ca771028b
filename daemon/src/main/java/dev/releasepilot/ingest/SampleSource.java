package dev.releasepilot.ingest;

import java.util.Locale;

/** Where samples come from: the {@code source} label of {@code release_pilot_samples_ingested_total}. */
public enum SampleSource {
    REMOTE_WRITE, NATS, HAPROXY_STATS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
