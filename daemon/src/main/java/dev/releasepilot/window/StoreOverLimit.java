package dev.releasepilot.window;

/**
 * The failure of {@link Appender#commit} (and {@link SampleSink#accept}) when new series were refused
 * because the store is full.
 * The other samples of the batch were kept; a retry re-delivers them harmlessly (they are dropped as
 * duplicates), and succeeds once eviction has made room.
 */
public final class StoreOverLimit extends RuntimeException {
    private final int refused;

    public StoreOverLimit(int refused, int maxSeries) {
        super(refused + " sample(s) refused: the store holds its maximum of " + maxSeries + " series", null, false,
                false);
        this.refused = refused;
    }

    public int refused() {
        return refused;
    }
}
