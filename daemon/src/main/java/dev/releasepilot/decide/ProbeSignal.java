package dev.releasepilot.decide;

import java.time.Instant;

/**
 * The outcome of one health probe of one service's trigger.
 *
 * @param status the HTTP status, or 0 when there was none (timeout, refused, reset)
 * @param error  why it failed, or null when healthy
 */
public record ProbeSignal(String service, String trigger, boolean healthy, int status, String error, long millis,
                          Instant receivedAt, long receivedNanos) implements Signal {
}
