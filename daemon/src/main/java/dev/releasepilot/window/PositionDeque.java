package dev.releasepilot.window;

import java.util.Arrays;

/**
 * A double-ended queue of (sample position, value) pairs in one ring, oldest first, for the parts of a
 * window that {@link WindowState} keeps beside its counts: the counter resets still inside the window,
 * and the monotonic candidates of min/max_over_time. Single owner; 16 bytes per entry held.
 */
final class PositionDeque {
    private long[] positions;
    private double[] values;
    private int head;
    private int size;

    PositionDeque(int capacity) {
        positions = new long[capacity];
        values = new double[capacity];
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long firstPosition() {
        return positions[head];
    }

    double firstValue() {
        return values[head];
    }

    double lastValue() {
        return values[slot(size - 1)];
    }

    /** The i-th oldest value. */
    double value(int i) {
        return values[slot(i)];
    }

    void addLast(long position, double value) {
        if (size == positions.length) {
            grow();
        }
        int s = slot(size++);
        positions[s] = position;
        values[s] = value;
    }

    void removeFirst() {
        head = slot(1);
        size--;
    }

    void removeLast() {
        size--;
    }

    void clear() {
        head = 0;
        size = 0;
    }

    private int slot(int i) {
        int s = head + i;
        return s >= positions.length ? s - positions.length : s;
    }

    private void grow() {
        long[] p = new long[positions.length * 2];
        double[] v = new double[positions.length * 2];
        for (int i = 0; i < size; i++) {
            p[i] = positions[slot(i)];
            v[i] = values[slot(i)];
        }
        positions = p;
        values = v;
        head = 0;
    }

    @Override
    public String toString() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = value(i);
        }
        return Arrays.toString(out);
    }
}
