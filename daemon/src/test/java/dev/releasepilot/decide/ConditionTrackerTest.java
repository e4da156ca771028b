package dev.releasepilot.decide;

import static dev.releasepilot.window.Outcome.FALSE;
import static dev.releasepilot.window.Outcome.NO_DATA;
import static dev.releasepilot.window.Outcome.TRUE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.window.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every timestamp is explicit event time in milliseconds; nothing sleeps, nothing reads a clock. */
class ConditionTrackerTest {
    private static ConditionTracker tracker(long forSeconds, long clearForSeconds) {
        return new ConditionTracker(Duration.ofSeconds(forSeconds), Duration.ofSeconds(clearForSeconds));
    }

    private static ConditionStatus at(ConditionTracker t, long seconds, Outcome o) {
        return t.observe(seconds * 1000, o);
    }

    @Test
    void startsWithNoDataBecauseNothingIsKnownYet() {
        assertEquals(ConditionState.NO_DATA, tracker(120, 0).state());
    }

    @Test
    void pendingUntilTheConditionHeldForItsForThenFiringOnce() {
        ConditionTracker t = tracker(120, 0);
        assertEquals(ConditionState.OK, at(t, 0, FALSE).state());
        ConditionStatus s = at(t, 10, TRUE);
        assertEquals(ConditionState.PENDING, s.state());
        assertEquals(10_000, s.sinceMs());
        assertEquals(10_000, t.pendingSinceMs());
        assertEquals(ConditionState.PENDING, at(t, 129, TRUE).state(), "119 s held: not yet");
        ConditionStatus fired = at(t, 130, TRUE);
        assertEquals(ConditionState.FIRING, fired.state());
        assertTrue(fired.fired());
        assertEquals(130_000, fired.sinceMs());
        ConditionStatus still = at(t, 140, TRUE);
        assertEquals(ConditionState.FIRING, still.state());
        assertFalse(still.fired(), "fired is reported once per episode");
        assertEquals(130_000, still.sinceMs());
    }

    @Test
    void aFalseEvaluationWhilePendingRestartsTheFor() {
        ConditionTracker t = tracker(60, 0);
        at(t, 0, TRUE);
        at(t, 50, TRUE);
        assertEquals(ConditionState.OK, at(t, 55, FALSE).state());
        assertEquals(ConditionState.PENDING, at(t, 60, TRUE).state());
        assertEquals(ConditionState.PENDING, at(t, 119, TRUE).state());
        assertTrue(at(t, 120, TRUE).fired());
    }

    @Test
    void forZeroFiresAtTheFirstTrue() {
        ConditionTracker t = tracker(0, 0);
        ConditionStatus s = at(t, 5, TRUE);
        assertEquals(ConditionState.FIRING, s.state());
        assertTrue(s.fired());
    }

    @Test
    void noDataIsNeitherHealthyNorFailingAndRestartsAPendingFor() {
        ConditionTracker t = tracker(60, 0);
        at(t, 0, TRUE);
        assertEquals(ConditionState.NO_DATA, at(t, 30, NO_DATA).state(), "the requires guard failed, or data is missing");
        assertEquals(Long.MIN_VALUE, t.pendingSinceMs());
        assertEquals(ConditionState.PENDING, at(t, 40, TRUE).state());
        assertEquals(ConditionState.PENDING, at(t, 99, TRUE).state(), "the for starts over at 40 s, not at 0 s");
        assertTrue(at(t, 100, TRUE).fired());
    }

    @Test
    void clearForHoldsAFiringTriggerUntilTheConditionStayedFalseLongEnough() {
        ConditionTracker t = tracker(0, 60);
        assertTrue(at(t, 0, TRUE).fired());
        ConditionStatus s = at(t, 10, FALSE);
        assertEquals(ConditionState.FIRING, s.state(), "false for 0 s of the 60 s clear_for");
        assertEquals(10_000, t.clearingSinceMs());
        assertEquals(ConditionState.FIRING, at(t, 40, FALSE).state());
        assertEquals(ConditionState.FIRING, at(t, 45, TRUE).state(), "true again: the clearing starts over");
        assertFalse(at(t, 45, TRUE).fired(), "same episode");
        assertEquals(ConditionState.FIRING, at(t, 50, FALSE).state());
        assertEquals(ConditionState.FIRING, at(t, 109, FALSE).state());
        ConditionStatus cleared = at(t, 110, FALSE);
        assertEquals(ConditionState.OK, cleared.state());
        assertTrue(cleared.cleared());
        assertEquals(110_000, cleared.sinceMs());
    }

    @Test
    void withoutClearForTheFirstFalseClears() {
        ConditionTracker t = tracker(0, 0);
        at(t, 0, TRUE);
        ConditionStatus s = at(t, 1, FALSE);
        assertEquals(ConditionState.OK, s.state());
        assertTrue(s.cleared());
    }

    @Test
    void noDataDoesNotEndAFiringEpisodeButInterruptsItsClearing() {
        ConditionTracker t = tracker(30, 60);
        at(t, 0, TRUE);
        assertTrue(at(t, 30, TRUE).fired());
        at(t, 40, FALSE);                                  // clearing starts at 40 s
        assertEquals(ConditionState.NO_DATA, at(t, 70, NO_DATA).state());
        ConditionStatus back = at(t, 80, TRUE);
        assertEquals(ConditionState.FIRING, back.state(), "never seen healthy since: firing again at once");
        assertFalse(back.fired(), "not a new episode");
        at(t, 90, FALSE);                                  // clearing starts over at 90 s
        assertEquals(ConditionState.FIRING, at(t, 140, FALSE).state(), "the 40 s start no longer counts");
        assertTrue(at(t, 150, FALSE).cleared());
    }

    @Test
    void aNewEpisodeAfterClearingNeedsTheFullForAgain() {
        ConditionTracker t = tracker(30, 0);
        at(t, 0, TRUE);
        assertTrue(at(t, 30, TRUE).fired());
        assertTrue(at(t, 31, FALSE).cleared());
        assertEquals(ConditionState.PENDING, at(t, 40, TRUE).state());
        assertTrue(at(t, 70, TRUE).fired());
    }

    @Test
    void evaluationsOlderThanTheLastAreIgnored() {
        ConditionTracker t = tracker(60, 0);
        at(t, 100, TRUE);
        ConditionStatus late = at(t, 50, FALSE);
        assertEquals(ConditionState.PENDING, late.state());
        assertEquals(100_000, t.pendingSinceMs());
        assertTrue(at(t, 160, TRUE).fired());
    }

    @Test
    void negativeDurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ConditionTracker(Duration.ofSeconds(-1), Duration.ZERO));
    }
}
