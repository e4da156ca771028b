package dev.releasepilot.rules.promql;

import java.time.Duration;

/** Renders a duration the way PromQL writes it (1m, 90s, 1h30m, 500ms). */
final class PromqlDurations {
    private PromqlDurations() {
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long[] units = {7L * 24 * 3600_000, 24L * 3600_000, 3600_000, 60_000, 1000, 1};
        String[] names = {"w", "d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms >= units[i]) {
                sb.append(ms / units[i]).append(names[i]);
                ms %= units[i];
            }
        }
        return sb.toString();
    }
}
