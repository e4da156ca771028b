package dev.releasepilot.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Lease timings that would let a holder stop acting between renewals are refused with the reason. */
class LeaseTimingTest {
    @Test
    void theDefaultsLeaveRoomForARenewalAMarginAndAnActuation() {
        LeaseTiming d = LeaseTiming.DEFAULTS;
        assertTrue(d.margin().plus(d.actWithin()).plus(d.renewEvery()).compareTo(d.ttl()) <= 0);
    }

    @Test
    void aRenewIntervalNotShorterThanTheTtlIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LeaseTiming.DEFAULTS.withTtl(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("shorter than the lease ttl"), e.getMessage());
    }

    @Test
    void aTtlTooShortForMarginAndActuationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LeaseTiming.DEFAULTS.withTtl(Duration.ofMillis(1000), Duration.ofMillis(500)));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }
}
