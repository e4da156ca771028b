package dev.releasepilot.rules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An active HTTP health probe: GET {@code url} every {@code interval}; a timeout, a refused
 * connection, a TLS failure or a status outside {@code expectStatus} is a failure;
 * {@code consecutiveFailures} in a row fire it. The defaults follow what load balancers and kubelet treat
 * as healthy: any 2xx or 3xx, redirects not followed (a 301 to a login page is the server answering).
 *
 * @param expectStatus    the statuses that mean healthy, as inclusive ranges (default 200-399)
 * @param followRedirects follow 3xx to their target and judge its status instead
 * @param tls             how an https URL's certificate is checked
 */
public record ProbeTrigger(String name, String url, Duration interval, Duration timeout, int consecutiveFailures,
                           List<StatusRange> expectStatus, boolean followRedirects, Tls tls) implements Trigger {
    /** Any 2xx or 3xx. */
    public static final List<StatusRange> DEFAULT_EXPECT = List.of(new StatusRange(200, 399));

    public ProbeTrigger {
        expectStatus = List.copyOf(expectStatus);
    }

    /** Statuses {@code from} to {@code to}, both included. */
    public record StatusRange(int from, int to) {
        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    /**
     * @param insecureSkipVerify accept any certificate and host name (what kubelet does for probes)
     * @param caFile             PEM certificates to trust instead of the JVM's default trust store
     */
    public record Tls(boolean insecureSkipVerify, Optional<Path> caFile) {
        public static final Tls DEFAULT = new Tls(false, Optional.empty());
    }

    public boolean healthy(int status) {
        return expectStatus.stream().anyMatch(r -> status >= r.from() && status <= r.to());
    }
}
