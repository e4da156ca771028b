package dev.releasepilot.window;

import java.util.Arrays;

/**
 * Scratch space for one series' window, copied out of its ring under the series' lock so the window
 * functions run without holding it. One per evaluator; reused for every series.
 */
final class SampleBuffer {
    long[] ts;
    double[] values;
    int size;

    SampleBuffer(int capacity) {
        ts = new long[capacity];
        values = new double[capacity];
    }

    void clear() {
        size = 0;
    }

    void add(long t, double v) {
        if (size == ts.length) {
            ts = Arrays.copyOf(ts, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        ts[size] = t;
        values[size] = v;
        size++;
    }
}
