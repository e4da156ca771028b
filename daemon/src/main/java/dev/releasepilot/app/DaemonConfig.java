package dev.releasepilot.app;

import java.nio.file.Path;
import java.time.Clock;

/**
 * How to run one daemon. Tokens are the secrets themselves (the CLI reads them from files).
 *
 * @param actuationRetryDelayMs first delay before a failed rollback is tried again (doubles, max 60 s)
 */
public record DaemonConfig(Path rules, Path dataDir, String host, int port, String readToken,
                           String adminToken, long bodyLimitBytes, long actuationRetryDelayMs, Clock clock) {
    public static final long DEFAULT_BODY_LIMIT = 4L * 1024 * 1024;

    public static DaemonConfig defaults(Path rules, Path dataDir, String host, int port) {
        return new DaemonConfig(rules, dataDir, host, port, null, null, DEFAULT_BODY_LIMIT, 5_000, Clock.systemUTC());
    }

    public DaemonConfig withTokens(String read, String admin) {
        return new DaemonConfig(rules, dataDir, host, port, read, admin, bodyLimitBytes, actuationRetryDelayMs, clock);
    }

    public DaemonConfig withActuationRetryDelayMs(long ms) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes, ms, clock);
    }
}
