package dev.releasepilot.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The slow retry loop of a pending rollback on virtual time: the documented backoff (5 s doubling to
 * 60 s), one record per step with a repeat count, a fresh start after success.
 */
class RetryScheduleTest {
    private final VirtualScheduler time = new VirtualScheduler();
    private final RetrySchedule schedule = new RetrySchedule(RetryPolicy.pending(Duration.ofSeconds(5)), time);
    private final List<RetrySchedule.Step> records = new ArrayList<>();
    private final List<Long> triedAt = new ArrayList<>();

    /** An LB that refuses every try: each try fails and is recorded, as the service's loop does. */
    private void tryAndFail() {
        triedAt.add(time.now());
        records.add(schedule.failed("connect", "connection refused", this::tryAndFail));
    }

    @Test
    void theWaitDoublesFromFiveSecondsToSixtyAndStaysThere() {
        tryAndFail();
        time.advance(10 * 60_000);
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < 8; i++) {
            gaps.add(triedAt.get(i) - triedAt.get(i - 1));
        }
        assertEquals(List.of(5_000L, 10_000L, 20_000L, 40_000L, 60_000L, 60_000L, 60_000L), gaps);
        assertEquals(Duration.ofSeconds(60), records.get(records.size() - 1).nextRetry());
    }

    @Test
    void anHourOfOutageIsAboutOneRecordAMinuteWithARepeatCount() {
        tryAndFail();
        time.advance(3_600_000);
        // 5 + 10 + 20 + 40 s, then one step a minute: 4 + 58 steps and the first try; not 720.
        assertEquals(63, records.size(), "records in an hour: " + records.size());
        RetrySchedule.Step last = records.get(records.size() - 1);
        assertEquals(63, last.repeats(), "identical failures are counted, not told apart");
        assertEquals(63, last.failures());
    }

    @Test
    void aDifferentFailureStartsANewRepeatCountButNotANewBackoff() {
        schedule.failed("connect", "refused", () -> { });
        schedule.failed("connect", "refused", () -> { });
        RetrySchedule.Step other = schedule.failed("timeout", "no answer in 2000 ms", () -> { });
        assertEquals(1, other.repeats());
        assertEquals(3, other.failures());
        assertEquals(Duration.ofSeconds(20), other.nextRetry());
    }

    @Test
    void successStartsTheBackoffAfreshAndCancelsTheScheduledTry() {
        tryAndFail();
        time.advance(5_000);
        tryAndFail();
        assertTrue(schedule.scheduled());
        schedule.reset();
        assertFalse(schedule.scheduled());
        assertEquals(0, time.pending(), "the scheduled try is cancelled");
        RetrySchedule.Step first = schedule.failed("connect", "refused", () -> { });
        assertEquals(Duration.ofSeconds(5), first.nextRetry());
        assertEquals(1, first.repeats());
    }

    @Test
    void aRecheckWaitsTheFirstDelayAndDoesNotGrowTheBackoff() {
        int[] checks = {0};
        Runnable[] recheck = new Runnable[1];
        recheck[0] = () -> {
            checks[0]++;
            schedule.recheck(recheck[0]);
        };
        schedule.recheck(recheck[0]);
        time.advance(60_000);
        assertEquals(12, checks[0], "every 5 s for a minute");
        assertEquals(0, schedule.failures());
    }

    @Test
    void delaysFollowThePolicyWithoutOverflow() {
        RetryPolicy p = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(50), Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(50), p.delayAfter(1));
        assertEquals(Duration.ofMillis(800), p.delayAfter(5));
        assertEquals(Duration.ofSeconds(1), p.delayAfter(6));
        assertEquals(Duration.ofSeconds(1), p.delayAfter(1_000));
        assertEquals(Duration.ofSeconds(60), RetryPolicy.pending(Duration.ofSeconds(5)).maxDelay());
    }
}
