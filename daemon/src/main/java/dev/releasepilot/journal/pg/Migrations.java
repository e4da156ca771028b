package dev.releasepilot.journal.pg;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Brings a database's schema up to the newest {@code db/migration/V<n>__<name>.sql} in the jar, in
 * order of n, each script and its row in {@code release_pilot_schema_version} in one transaction.
 *
 * <p>Several daemons starting together against one database migrate it once: the runner holds a
 * session-level advisory lock for the whole run, so the second one waits, then finds the versions
 * applied. A database whose schema is newer than this build knows is refused (an older daemon must
 * not write to tables it does not understand).
 */
public final class Migrations {
    static final String DIR = "db/migration";
    /** The advisory lock key of schema migration ("rpmigrat"). */
    private static final long LOCK = 0x72706d6967726174L;
    private static final Pattern NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

    /** One script. */
    public record Migration(int version, String name, String resource) {
    }

    private Migrations() {
    }

    /** The migrations this build carries, oldest first. */
    public static List<Migration> known() {
        List<Migration> found = new ArrayList<>();
        for (String file : listDir()) {
            Matcher m = NAME.matcher(file);
            if (m.matches()) {
                found.add(new Migration(Integer.parseInt(m.group(1)), m.group(2), DIR + "/" + file));
            }
        }
        found.sort(Comparator.comparingInt(Migration::version));
        for (int i = 0; i < found.size(); i++) {
            if (found.get(i).version() != i + 1) {
                throw new IllegalStateException("migrations must be numbered 1, 2, 3, … without gaps: " + found);
            }
        }
        return found;
    }

    /**
     * Applies what is missing; returns the schema version now in force. Blocking (start-up only).
     *
     * @throws PgStartFailure when the database's schema is newer than {@link #known()}
     */
    public static int migrate(Pool pool) throws PgStartFailure {
        List<Migration> known = known();
        SqlConnection c = await(pool.getConnection());
        try {
            // Another daemon's migration may take longer than the journal's lock_timeout: wait for it.
            await(c.query("SET lock_timeout = 0").execute());
            await(c.query("SELECT pg_advisory_lock(" + LOCK + ")").execute());
            await(c.query("CREATE TABLE IF NOT EXISTS release_pilot_schema_version (version int PRIMARY KEY, "
                    + "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute());
            int current = 0;
            for (Row r : await(c.query("SELECT coalesce(max(version), 0) FROM release_pilot_schema_version").execute())) {
                current = r.getInteger(0);
            }
            if (current > known.size()) {
                throw new PgStartFailure("the journal database's schema is at version " + current
                        + ", newer than this release-pilot knows (" + known.size()
                        + "); run a release-pilot at least as new as the one that migrated it");
            }
            for (Migration m : known.subList(current, known.size())) {
                String sql = read(m.resource());
                // Simple-query protocol: the script may hold several statements; BEGIN/COMMIT make it all or nothing.
                await(c.query("BEGIN").execute());
                try {
                    await(c.query(sql).execute());
                    await(c.preparedQuery("INSERT INTO release_pilot_schema_version (version, name) VALUES ($1, $2)")
                            .execute(Tuple.of(m.version(), m.name())));
                    await(c.query("COMMIT").execute());
                } catch (RuntimeException e) {
                    await(c.query("ROLLBACK").execute());
                    throw new PgStartFailure("migration " + m.resource() + " failed: " + e.getMessage());
                }
                current = m.version();
            }
            return current;
        } finally {
            c.query("SELECT pg_advisory_unlock(" + LOCK + ")").execute().eventually(() -> c.close());
        }
    }

    static <T> T await(io.vertx.core.Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the journal database did not answer within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file names in {@link #DIR}, from a directory (tests, IDE) or from the jar. */
    private static List<String> listDir() {
        URL url = Migrations.class.getClassLoader().getResource(DIR);
        if (url == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try {
            if ("jar".equals(url.getProtocol())) {
                JarURLConnection conn = (JarURLConnection) url.openConnection();
                conn.setUseCaches(false);
                try (JarFile jar = conn.getJarFile()) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        String n = entries.nextElement().getName();
                        if (n.startsWith(DIR + "/") && n.indexOf('/', DIR.length() + 1) < 0) {
                            names.add(n.substring(DIR.length() + 1));
                        }
                    }
                }
            } else {
                try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                    files.forEach(p -> names.add(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }
}
