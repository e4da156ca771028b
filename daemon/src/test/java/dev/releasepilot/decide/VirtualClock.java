package dev.releasepilot.decide;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The host's clock in a test: it reads what the test set, from any thread, and moves only when told. */
final class VirtualClock extends Clock {
    private final AtomicLong millis;

    VirtualClock(long startMs) {
        this.millis = new AtomicLong(startMs);
    }

    void set(long ms) {
        millis.set(ms);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a virtual clock is UTC only");
    }
}
