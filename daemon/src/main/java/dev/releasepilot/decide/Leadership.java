package dev.releasepilot.decide;

/**
 * Decide's view of the cluster: this instance's standing per service. Implemented by the lease keeper
 * when several instances share a journal; {@link #SOLE} otherwise. Read from the services' contexts,
 * so implementations answer from an immutable snapshot without blocking.
 */
public interface Leadership {
    Leadership SOLE = new Leadership() {
        @Override
        public Standing standing(String service) {
            return Standing.SOLE;
        }

        @Override
        public void fencedOut(String service, long epoch) {
        }
    };

    Standing standing(String service);

    /** The journal refused a write at {@code epoch}: the lease is gone; stop counting on it at once. */
    void fencedOut(String service, long epoch);
}
