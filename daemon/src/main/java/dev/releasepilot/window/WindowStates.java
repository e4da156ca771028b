package dev.releasepilot.window;

/**
 * The {@link WindowState}s of one {@link RangeWindows}, found by the identity of their series: an open
 * addressing table of the states themselves (each knows its series), so an entry costs one array slot
 * (~6 bytes at the table's load) instead of a hash map node and slot (~40 bytes) — 215,000 states in the
 * pipeline benchmark. Single owner, like the windows it belongs to.
 */
final class WindowStates {
    private WindowState[] slots = new WindowState[16];
    private int size;

    int size() {
        return size;
    }

    WindowState get(Series series) {
        int mask = slots.length - 1;
        for (int i = index(series, mask); ; i = (i + 1) & mask) {
            WindowState s = slots[i];
            if (s == null || s.series == series) {
                return s;
            }
        }
    }

    /** Adds the state of a series that has none yet. */
    void add(WindowState state) {
        if (4 * (size + 1) > 3 * slots.length) {
            slots = rehash(slots, 2 * slots.length, -1);
        }
        insert(slots, state);
        size++;
    }

    /** Keeps only the states a pass visited (their {@code pass} is the given one). */
    void retain(int pass) {
        int kept = 0;
        for (WindowState s : slots) {
            if (s != null && s.pass == pass) {
                kept++;
            }
        }
        int capacity = 16;
        while (4 * kept > 3 * capacity / 2) { // room to grow before the next rehash
            capacity *= 2;
        }
        slots = rehash(slots, capacity, pass);
        size = kept;
    }

    private static WindowState[] rehash(WindowState[] from, int capacity, int pass) {
        WindowState[] to = new WindowState[capacity];
        for (WindowState s : from) {
            if (s != null && (pass == -1 || s.pass == pass)) {
                insert(to, s);
            }
        }
        return to;
    }

    private static void insert(WindowState[] table, WindowState state) {
        int mask = table.length - 1;
        int i = index(state.series, mask);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = state;
    }

    private static int index(Series series, int mask) {
        int h = System.identityHashCode(series) * 0x9E3779B9; // spread: identity hashes are not uniform in their low bits
        return (h ^ h >>> 16) & mask;
    }
}
