package dev.releasepilot.decide;

/**
 * A command sent to an instance that does not hold the service's lease (several instances share the
 * journal): refused here, so that the API can send it on to {@link #holder()}.
 */
public final class NotTheHolder extends CommandRefused {
    private final String holder;

    public NotTheHolder(String message, String holder) {
        super(message);
        this.holder = holder;
    }

    /** The instance that holds the lease, or null when none does this moment. */
    public String holder() {
        return holder;
    }
}
