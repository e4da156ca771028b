package dev.releasepilot.journal;

/**
 * Who writes a group of records, and under which lease epoch of the service. A shared journal
 * (PostgreSQL) refuses a fenced write unless {@code holder} holds the service's lease at exactly
 * {@code epoch} and the lease has not expired, so a paused or partitioned former holder cannot record
 * (or, having re-checked, act) late. {@link #NONE} writes unfenced: what every instance may record
 * (signals it received), and everything the single-process file journal takes.
 *
 * @param holder the writing instance's id ({@code --instance-id}); empty for {@link #NONE}
 * @param epoch  the lease epoch the writer holds, ≥ 1; 0 for {@link #NONE}
 */
public record Fence(String holder, long epoch) {
    public static final Fence NONE = new Fence("", 0);

    public Fence {
        if (holder == null || epoch < 0 || (epoch == 0) != holder.isEmpty()) {
            throw new IllegalArgumentException("a fence names its holder and an epoch ≥ 1, or is NONE: " + holder + "@" + epoch);
        }
    }

    public boolean fenced() {
        return epoch > 0;
    }
}
