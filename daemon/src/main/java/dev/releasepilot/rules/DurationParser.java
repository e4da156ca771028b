package dev.releasepilot.rules;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus duration syntax: 500ms, 30s, 2m, 1h30m, 1d, 1w. */
public final class DurationParser {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");

    private DurationParser() {
    }

    public static Duration parse(String text) throws SyntaxError {
        if (text == null || text.isEmpty()) {
            throw new SyntaxError(0, "empty duration");
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new SyntaxError(at, "not a duration: '" + text + "' (use e.g. 500ms, 30s, 2m, 1h30m)");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(7 * n);
                default -> Duration.ofDays(365 * n);
            });
            at = m.end();
        }
        return total;
    }
}
