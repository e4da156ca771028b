package dev.releasepilot.journal.pg;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code postgresql://USER@HOST:PORT/DB} (or {@code postgres://}) as connect options. The password
 * comes from the caller ({@code --journal-password-file}) or, as libpq does, from {@code PGPASSWORD};
 * one written into the URL is refused, so it never shows in a process list.
 */
public final class PgUrl {
    private PgUrl() {
    }

    /**
     * @param password the password, or null to take {@code PGPASSWORD} (or none: trust/peer auth)
     * @throws PgStartFailure naming what is wrong with the URL
     */
    public static PgConnectOptions parse(String url, String password) throws PgStartFailure {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new PgStartFailure("--journal-url: not a URL (" + e.getMessage() + "); expected postgresql://USER@HOST:PORT/DB");
        }
        if (!"postgresql".equals(u.getScheme()) && !"postgres".equals(u.getScheme())) {
            throw new PgStartFailure("--journal-url: expected postgresql://USER@HOST:PORT/DB, got '" + url + "'");
        }
        if (u.getHost() == null || u.getUserInfo() == null || u.getUserInfo().isEmpty()) {
            throw new PgStartFailure("--journal-url: needs a user and a host, as in postgresql://USER@HOST:PORT/DB, got '" + url + "'");
        }
        if (u.getUserInfo().contains(":")) {
            throw new PgStartFailure("--journal-url: give the password with --journal-password-file or PGPASSWORD, not in the URL");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            // Silently dropping e.g. ?sslmode=require would connect in a way the operator did not ask for.
            throw new PgStartFailure("--journal-url: parameters after '?' (such as sslmode) are not supported; give "
                    + "postgresql://USER@HOST:PORT/DB");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (path.length() < 2 || path.indexOf('/', 1) >= 0) {
            throw new PgStartFailure("--journal-url: needs one database name after the host, as in postgresql://USER@HOST:PORT/DB, got '" + url + "'");
        }
        if (u.getPort() == 0 || u.getPort() > 65535) {
            throw new PgStartFailure("--journal-url: port must be 1 to 65535, got " + u.getPort() + " in '" + url + "'");
        }
        String pw = password != null ? password : System.getenv("PGPASSWORD");
        PgConnectOptions o;
        try {
            o = new PgConnectOptions()
                    .setHost(u.getHost().replace("[", "").replace("]", ""))
                    .setPort(u.getPort() < 0 ? 5432 : u.getPort())
                    .setUser(URLDecoder.decode(u.getUserInfo(), StandardCharsets.UTF_8))
                    .setDatabase(URLDecoder.decode(path.substring(1), StandardCharsets.UTF_8))
                    .setReconnectAttempts(0)
                    // A client gone mid-transaction must not hold the journal's write lock (and so every other
                    // writer) until TCP notices: the server ends such a session, and a lock wait gives up.
                    .addProperty("idle_in_transaction_session_timeout", "10s")
                    .addProperty("lock_timeout", "10s")
                    .addProperty("application_name", "release-pilot")
                    // The migrations' CREATE ... IF NOT EXISTS answer a NOTICE on every start, which the
                    // client logs as a WARNING: only real warnings should reach the operator's log.
                    .addProperty("client_min_messages", "warning");
        } catch (IllegalArgumentException e) {
            // the client's own checks of a value the URL syntax allowed: an error message, not a stack trace
            throw new PgStartFailure("--journal-url: " + e.getMessage() + " in '" + url + "'");
        }
        if (pw != null && !pw.isEmpty()) {
            o.setPassword(pw);
        }
        return o;
    }

    /** The URL without anything secret, for log lines. */
    public static String describe(PgConnectOptions o) {
        return "postgresql://" + o.getUser() + "@" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    }
}
