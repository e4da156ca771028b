package dev.releasepilot.act;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command without a shell, with a deadline, capturing the first {@value #CAPTURE} bytes of stdout
 * and of stderr (the rest is read and dropped, so a chatty command never blocks on a full pipe).
 *
 * <p>The command starts under {@code setsid}, so it leads its own process group; on timeout the whole
 * group gets SIGKILL (children a script started included, even those already orphaned), and so does
 * every process still below it in the tree (for children that started their own session). Blocking:
 * call it from a worker thread only (executeBlocking).
 */
public final class ProcessRun {
    public static final int CAPTURE = 4096;
    private static final Path SETSID = firstExisting("/usr/bin/setsid", "/bin/setsid");
    private static final Path KILL = firstExisting("/bin/kill", "/usr/bin/kill");

    /** How a run ended; {@code stdout} and {@code stderr} are cut at {@value #CAPTURE} bytes. */
    public record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        /** stderr and stdout in one line, for a failure message. */
        public String output() {
            String both = (stderr.strip() + " " + stdout.strip()).strip().replace('\n', ' ');
            return both.isEmpty() ? "(no output)" : both;
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
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
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
        return new Result(finished ? p.exitValue() : -9, out.text(), err.text(), !finished);
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
     * Reads one stream to its end on its own thread, keeping only the first bytes. The kept bytes are
     * published through the volatile count, so {@link #text} may be called while the thread still runs.
     */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final byte[] kept = new byte[CAPTURE];
        private volatile int count;

        public Drain(InputStream in) {
            super("rp-exec-drain");
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    int room = CAPTURE - count;
                    if (room > 0) {
                        int take = Math.min(room, n);
                        System.arraycopy(buf, 0, kept, count, take);
                        count += take;
                    }
                }
            } catch (IOException e) {
                // the process is gone; what was read is kept
            }
        }

        public String text() {
            int n = count;
            return new String(kept, 0, n, StandardCharsets.UTF_8);
        }
    }
}
