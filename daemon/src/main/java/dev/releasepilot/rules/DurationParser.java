package dev.releasepilot.rules;


import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus duration syntax (model.ParseDuration): 500ms, 30s, 2m, 1h30m, 1d, 1w, 1y, or a bare 0.
 * As in Prometheus, units come largest first and each at most once, so "30m1h" and "1h1h" are errors.
 */
public final class DurationParser {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");
    private static final List<String> UNITS_LARGEST_FIRST = List.of("y", "w", "d", "h", "m", "s", "ms");

    private DurationParser() {
    }

    public static Duration parse(String text) throws SyntaxError {
        if (text == null || text.isEmpty()) {
            throw new SyntaxError(0, "empty duration");
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        int lastUnit = -1;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new SyntaxError(at, "not a duration: '" + text + "' (use e.g. 500ms, 30s, 2m, 1h30m)");
            }
            int unit = UNITS_LARGEST_FIRST.indexOf(m.group(2));
            if (unit <= lastUnit) {
                throw new SyntaxError(at, "not a duration: '" + text + "' (units go largest first, each once, e.g. 1h30m)");
            }
            lastUnit = unit;
            try {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    case "w" -> Duration.ofDays(Math.multiplyExact(7, n));
                    default -> Duration.ofDays(Math.multiplyExact(365, n));
                });
            } catch (NumberFormatException | ArithmeticException e) {
                throw new SyntaxError(at, "duration out of range: '" + text + "'");
            }
            at = m.end();
        }
        try {
            // Prometheus keeps durations as int64 nanoseconds (about 292 years); beyond that a duration fits
            // java.time but not the milliseconds every window and printer works in.
            total.toNanos();
        } catch (ArithmeticException e) {
            throw new SyntaxError(0, "duration out of range: '" + text + "' (at most about 292y)");
        }
        return total;
    }
}
