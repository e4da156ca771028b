package dev.releasepilot.cluster;

/**
 * One row of the lease table as read (times by the database's clock, turned into a duration so no
 * local clock has to agree with it).
 *
 * @param expiresInMs how long until the lease expires; ≤ 0 when it has (the row stays, with its epoch)
 */
public record Lease(String service, String holder, long epoch, long expiresInMs) {
    public boolean expired() {
        return expiresInMs <= 0;
    }
}
