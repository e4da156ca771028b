package dev.releasepilot.act;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command without a shell, with a deadline, capturing the first {@value #STDOUT_LIMIT} bytes of
 * stdout (1 MiB: the read-back is parsed from all of it) and the first {@value #STDERR_LIMIT} bytes of
 * stderr; the rest is read and dropped, so a chatty command never blocks on a full pipe, and
 * {@link Result#stdoutCut} says that stdout went past its limit.
 *
 * <p>The command starts under {@code setsid}, so it leads its own process group; on timeout the whole
 * group gets SIGKILL (children a script started included, even those already orphaned), and so does
 * every process still below it in the tree (for children that started their own session). Blocking:
 * call it from a worker thread only (executeBlocking).
 */
public final class ProcessRun {
    /** The most stdout kept, in bytes (1 MiB): an exec read-back may list a whole pool. */
    public static final int STDOUT_LIMIT = 1 << 20;
    /** The most stderr kept, in bytes: it only ever goes into a failure message. */
    public static final int STDERR_LIMIT = 4096;
    /** How much of each stream a failure message quotes. */
    private static final int QUOTE = 4096;
    private static final Path SETSID = firstExisting("/usr/bin/setsid", "/bin/setsid");
    private static final Path KILL = firstExisting("/bin/kill", "/usr/bin/kill");

    /**
     * How a run ended; {@code stdout} is cut at {@value #STDOUT_LIMIT} bytes ({@code stdoutCut} then
     * true), {@code stderr} at {@value #STDERR_LIMIT}.
     */
    public record Result(int exitCode, String stdout, String stderr, boolean timedOut, boolean stdoutCut) {
        public Result(int exitCode, String stdout, String stderr, boolean timedOut) {
            this(exitCode, stdout, stderr, timedOut, false);
        }

        /** stderr and stdout in one line, each cut to its first {@value #QUOTE} characters, for a failure message. */
        public String output() {
            String both = (quote(stderr) + " " + quote(stdout)).strip().replace('\n', ' ');
            return both.isEmpty() ? "(no output)" : both;
        }

        private static String quote(String s) {
            String t = s.strip();
            return t.length() > QUOTE ? t.substring(0, QUOTE) + "…" : t;
        }
    }

    private ProcessRun() {
    }

    public static Result run(List<String> command, Map<String, String> env, Duration timeout) throws IOException {
        if (SETSID == null) {
            throw new IOException("setsid (Debian package util-linux) is needed to run commands in their own process group");
        }
        List<String> argv = new ArrayList<>();
        argv.add(SETSID.toString());
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        Drain out = new Drain(p.getInputStream(), STDOUT_LIMIT);
        Drain err = new Drain(p.getErrorStream(), STDERR_LIMIT);
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                killGroup(p);
                p.waitFor(5, TimeUnit.SECONDS);
            }
            // The pipes close when the last holder exits; a process that escaped both kills keeps them
            // open, so the capture gets a short grace period instead of waiting for it.
            out.join(1000);
            err.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killGroup(p);
            throw new IOException("interrupted while running " + command.get(0));
        }
        return new Result(finished ? p.exitValue() : -9, out.text(), err.text(), !finished, out.cut());
    }

    private static void killGroup(Process p) {
        // Snapshot the tree first: once the leader dies, its children are re-parented and out of reach.
        List<ProcessHandle> tree = p.descendants().toList();
        if (KILL != null) {
            try {
                new ProcessBuilder(KILL.toString(), "-KILL", "--", "-" + p.pid()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(2, TimeUnit.SECONDS);
            } catch (IOException e) {
                // fall through to the per-process kill below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static Path firstExisting(String... paths) {
        for (String s : paths) {
            Path p = Path.of(s);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Reads one stream to its end on its own thread, keeping only the first {@code limit} bytes. The kept
     * bytes are published through the volatile count, and a grown array replaces the old one only after it
     * holds every byte counted so far, so {@link #text} may be called while the thread still runs.
     */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final int limit;
        private volatile byte[] kept = new byte[256];
        private volatile int count;
        private volatile boolean cut;

        Drain(InputStream in, int limit) {
            super("rp-exec-drain");
            this.in = in;
            this.limit = limit;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    int room = limit - count;
                    int take = Math.min(room, n);
                    if (take < n) {
                        cut = true;
                    }
                    if (take > 0) {
                        if (count + take > kept.length) {
                            // Grow as output arrives: most commands print a few bytes, the limit is 1 MiB.
                            kept = Arrays.copyOf(kept, Math.min(limit, Math.max(kept.length * 2, count + take)));
                        }
                        System.arraycopy(buf, 0, kept, count, take);
                        count += take;
                    }
                }
            } catch (IOException e) {
                // the process is gone; what was read is kept
            }
        }

        String text() {
            int n = count; // read before the array: the array read after it holds at least n bytes
            return new String(kept, 0, n, StandardCharsets.UTF_8);
        }

        boolean cut() {
            return cut;
        }
    }
}
