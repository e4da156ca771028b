package dev.releasepilot.app;

import java.nio.file.Path;
import java.time.Clock;

/**
 * How to run one daemon. Tokens are the secrets themselves (the CLI reads them from files).
 *
 * @param actuationRetryDelayMs first delay before a failed rollback is tried again (doubles, max 60 s)
 * @param reconcileIntervalMs   how often weights are read back to find and repair drift (0: never)
 */
public record DaemonConfig(Path rules, Path dataDir, String host, int port, String readToken,
                           String adminToken, long bodyLimitBytes, long actuationRetryDelayMs,
                           long reconcileIntervalMs, Clock clock) {
    public static final long DEFAULT_BODY_LIMIT = 4L * 1024 * 1024;

    public static DaemonConfig defaults(Path rules, Path dataDir, String host, int port) {
        return new DaemonConfig(rules, dataDir, host, port, null, null, DEFAULT_BODY_LIMIT, 5_000, 5_000,
                Clock.systemUTC());
    }

    public DaemonConfig withTokens(String read, String admin) {
        return new DaemonConfig(rules, dataDir, host, port, read, admin, bodyLimitBytes, actuationRetryDelayMs,
                reconcileIntervalMs, clock);
    }

    public DaemonConfig withActuationRetryDelayMs(long ms) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes, ms,
                reconcileIntervalMs, clock);
    }

    /** How often every service's weights are read back and drift repaired; 0 turns it off. */
    public DaemonConfig withReconcileIntervalMs(long ms) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes,
                actuationRetryDelayMs, ms, clock);
    }
}
