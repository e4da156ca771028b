package dev.releasepilot.cluster;

import java.time.Instant;

/**
 * One row of the instances table.
 *
 * @param sinceSeenMs how long ago (database clock) its last heartbeat landed
 */
public record Instance(String id, String address, Instant lastSeen, long sinceSeenMs) {
}
