package dev.releasepilot.rules;

import java.time.Duration;

/**
 * An active HTTP health probe: GET {@code url} every {@code interval}; a timeout, a refused
 * connection or an unexpected status is a failure; {@code consecutiveFailures} in a row fire it.
 *
 * @param expectStatus the status that means healthy; 0 means any 2xx
 */
public record ProbeTrigger(String name, String url, Duration interval, Duration timeout, int consecutiveFailures,
                           int expectStatus) implements Trigger {
    public boolean healthy(int status) {
        return expectStatus == 0 ? status / 100 == 2 : status == expectStatus;
    }
}
