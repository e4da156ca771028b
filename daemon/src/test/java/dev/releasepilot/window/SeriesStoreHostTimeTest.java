package dev.releasepilot.window;

import static dev.releasepilot.window.Fixtures.condition;
import static dev.releasepilot.window.Fixtures.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store against the host's clock: too far ahead is refused; ahead but tolerated never drags event time. */
class SeriesStoreHostTimeTest {
    private static final long NOW = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SeriesStore store = new SeriesStore(Fixtures.index(condition("rate(up[1m]) > 0")), StoreLimits.defaults(),
            registry, TouchListener.NONE, new HostTime(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
            Duration.ofMinutes(10)));

    private double dropped(DropReason r) {
        return registry.counter("release_pilot_samples_dropped_total", "reason", r.label()).count();
    }

    @Test
    void aSampleBeyondTheToleranceIsRefusedAndCounted() {
        store.accept(List.of(new Sample(labels("up", "instance", "a"), NOW + 600_001, 1)));
        assertEquals(1.0, dropped(DropReason.TOO_FAR_IN_FUTURE));
        assertEquals(-1, store.sizeOf(labels("up", "instance", "a")), "not stored, no series created");
        assertEquals(Long.MIN_VALUE, store.eventTime(), "event time untouched");

        store.accept(List.of(new Sample(labels("up", "instance", "a"), NOW + 600_000, 1)));
        assertEquals(1, store.sizeOf(labels("up", "instance", "a")), "exactly at the tolerance: kept");
    }

    @Test
    void aToleratedSampleAheadOfTheClockMovesEventTimeOnlyJustPastIt() {
        store.accept(List.of(new Sample(labels("up", "instance", "a"), NOW - 1_000, 1)));
        assertEquals(NOW - 1_000, store.eventTime());
        store.accept(List.of(new Sample(labels("up", "instance", "fast"), NOW + 300_000, 1)));
        assertEquals(1, store.sizeOf(labels("up", "instance", "fast")), "kept for when its time comes");
        assertEquals(NOW + HostTime.MAX_AHEAD_MS, store.eventTime(),
                "one fast sender cannot age every other series towards eviction");
        assertEquals(0.0, dropped(DropReason.TOO_FAR_IN_FUTURE));
    }
}
