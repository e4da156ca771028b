package dev.releasepilot.act.caddy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaddyEntriesTest {
    private static Map<String, Integer> weights(Object... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return m;
    }

    @Test
    void weightsThatFitAreReducedByTheirCommonDivisor() {
        assertEquals(weights("s", 19, "c", 1), CaddyEntries.counts(weights("s", 95, "c", 5), 20));
        assertEquals(weights("s", 3, "c", 1), CaddyEntries.counts(weights("s", 3, "c", 1), 20));
        assertEquals(weights("s", 9, "c", 1), CaddyEntries.counts(weights("s", 90, "c", 10), 20));
    }

    @Test
    void weightsThatDoNotFitAreSplitByLargestRemainderKeepingOneEntryEach() {
        assertEquals(weights("s", 19, "c", 1), CaddyEntries.counts(weights("s", 97, "c", 3), 20));
        assertEquals(weights("s", 19, "c", 1), CaddyEntries.counts(weights("s", 999, "c", 1), 20));
        assertEquals(weights("a", 5, "b", 3, "c", 2), CaddyEntries.counts(weights("a", 50, "b", 31, "c", 19), 10));
    }

    @Test
    void zeroWeightGetsNoEntry() {
        assertEquals(weights("s", 1, "c", 0), CaddyEntries.counts(weights("s", 95, "c", 0), 20));
    }

    @Test
    void theSequenceInterleavesSmoothly() {
        assertEquals(List.of("s", "s", "c", "s"), CaddyEntries.sequence(weights("s", 3, "c", 1)));
        assertEquals(List.of("s", "s", "s"), CaddyEntries.sequence(weights("s", 3, "c", 0)));
        assertEquals(20, CaddyEntries.sequence(weights("s", 19, "c", 1)).size());
    }
}
