package dev.releasepilot.decide;

import java.time.Instant;

/**
 * Input to the decide stage, already validated by ingest. Wire formats never get this far.
 * {@code receivedNanos} is a monotonic stamp taken at arrival, so reaction time can be measured to
 * the action's read-back without trusting wall clocks.
 */
public sealed interface Signal permits AlertSignal, ProbeSignal {
    Instant receivedAt();

    long receivedNanos();
}
