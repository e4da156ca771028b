package dev.releasepilot.window;

import java.time.Duration;

/**
 * Bounds of the series store. Memory per series is {@code ~16 bytes × capacity} plus a fixed overhead
 * (docs/windows.md), where capacity = ceil((longest range over the series + slack) / resolution) + 1,
 * clamped to [2, maxSamplesPerSeries].
 *
 * @param maxSeries           series beyond this are dropped and counted (reason "limit")
 * @param staleness           a series that received nothing for this long, in event time judged against the
 *                            newest timestamp the store has seen, is evicted
 * @param resolution          the sample spacing the windows are sized for; senders that sample faster still
 *                            fit, because a full ring thins out (see {@link Series})
 * @param slack               extra retention beyond the longest range, so an evaluation may lag the newest
 *                            sample by this much (a batch of backlog) and still see a whole window
 * @param maxSamplesPerSeries hard cap on any ring, whatever the rules ask for
 */
public record StoreLimits(int maxSeries, Duration staleness, Duration resolution, Duration slack,
                          int maxSamplesPerSeries) {
    public StoreLimits {
        if (maxSeries < 1 || maxSamplesPerSeries < 2 || resolution.toMillis() < 1 || staleness.toMillis() < 1
                || slack.isNegative()) {
            throw new IllegalArgumentException("invalid store limits: " + maxSeries + ", " + staleness + ", "
                    + resolution + ", " + slack + ", " + maxSamplesPerSeries);
        }
    }

    /** 100k series, 5 min staleness, 1 s resolution, 30 s slack, at most 1024 samples (16 KiB) per series. */
    public static StoreLimits defaults() {
        return new StoreLimits(100_000, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), 1024);
    }

    /** Ring capacity for a series whose longest range is {@code longestRangeMs} (0 for instant selectors). */
    int capacityFor(long longestRangeMs) {
        long retention = longestRangeMs + slack.toMillis();
        long wanted = (retention + resolution.toMillis() - 1) / resolution.toMillis() + 1;
        return (int) Math.max(2, Math.min(maxSamplesPerSeries, wanted));
    }
}
