package dev.releasepilot.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class EvaluationGridTest {
    private final EvaluationGrid grid = new EvaluationGrid(1_000);

    @Test
    void theInstantsPassedSinceTheLastEvaluation() {
        assertArrayEquals(new long[] {3_000, 4_000, 5_000}, grid.due(2_000, 5_999, 100));
        assertArrayEquals(new long[] {3_000}, grid.due(2_500, 3_000, 100));
        assertArrayEquals(new long[0], grid.due(5_000, 5_999, 100), "no new instant reached");
    }

    @Test
    void theFirstEvaluationStartsAtTheFirstTouchedInstant() {
        assertArrayEquals(new long[] {2_000}, grid.due(1_007 - 1, 2_500, 100), "1 s is before the first sample");
        assertArrayEquals(new long[] {0, 1_000}, grid.due(-1, 1_000, 100));
    }

    @Test
    void aHugeBacklogIsBoundedToItsNewestInstants() {
        assertArrayEquals(new long[] {8_000, 9_000, 10_000}, grid.due(Long.MIN_VALUE, 10_000, 3));
    }
}
