package dev.releasepilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Prometheus duration syntax (model.ParseDuration). */
class DurationParserTest {
    @Test
    void singleUnits() throws SyntaxError {
        assertEquals(Duration.ofMillis(500), DurationParser.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), DurationParser.parse("30s"));
        assertEquals(Duration.ofMinutes(2), DurationParser.parse("2m"));
        assertEquals(Duration.ofHours(1), DurationParser.parse("1h"));
        assertEquals(Duration.ofDays(1), DurationParser.parse("1d"));
        assertEquals(Duration.ofDays(14), DurationParser.parse("2w"));
        assertEquals(Duration.ofDays(365), DurationParser.parse("1y"));
    }

    @Test
    void compoundDurations() throws SyntaxError {
        assertEquals(Duration.ofMinutes(90), DurationParser.parse("1h30m"));
        assertEquals(Duration.ofSeconds(150).plusMillis(250), DurationParser.parse("2m30s250ms"));
        assertEquals(Duration.ofDays(1).plusHours(2), DurationParser.parse("1d2h"));
    }

    @Test
    void zeroIsAcceptedAsPrometheusDoes() throws SyntaxError {
        assertEquals(Duration.ZERO, DurationParser.parse("0"));
        assertEquals(Duration.ZERO, DurationParser.parse("0s"));
    }

    @Test
    void badInputIsASyntaxErrorWithOffset() {
        assertBad("", 0);
        assertBad("abc", 0);
        assertBad("10", 0);          // a unit is required
        assertBad("1.5h", 0);        // no fractions
        assertBad("-1s", 0);
        assertBad("5 m", 0);
        assertBad("1h30", 2);        // the offset points at the part that does not parse
        assertBad("1h30x", 2);
        assertBad("30s ", 3);
    }

    @Test
    void unitsMustDescendAndNotRepeatAsInPrometheus() {
        assertBad("30m1h", 3);
        assertBad("1h1h", 2);
        assertBad("1s500ms1s", 7);
    }

    @Test
    void hugeNumbersAreASyntaxErrorNotACrash() {
        assertBad("99999999999999999999s", 0);
        assertBad("9223372036854775807y", 0);
        // fits java.time but not int64 nanoseconds, as Prometheus keeps durations (found by fuzzing: it
        // overflowed later, when the range was printed in milliseconds)
        assertBad("80237960548581368m", 0);
        assertBad("293y", 0);
    }

    @Test
    void theLongestDurationPrometheusCanHoldIsAccepted() throws SyntaxError {
        assertEquals(Duration.ofDays(365 * 292), DurationParser.parse("292y"));
    }

    @Test
    void aDurationTooLongForMillisecondsIsRefusedAtCheckNotAtUse() {
        // parses as a Duration, but hold, cooldown and keep_warm are counted in milliseconds at run time
        assertBad("99999999999999h", 0);
        assertBad("300000000y", 0);
        assertBad("106751991167d7h12m55s808ms", 0);
    }

    private static void assertBad(String text, int offset) {
        SyntaxError e = assertThrows(SyntaxError.class, () -> DurationParser.parse(text), "'" + text + "'");
        assertEquals(offset, e.offset(), "'" + text + "': " + e.getMessage());
        assertTrue(e.getMessage().contains("duration"), e.getMessage());
    }
}
