package dev.releasepilot.act.nginx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which NGINX workers still accept connections, from {@code /proc}. Needed because a reload overlaps
 * two generations: the master starts the new workers, sleeps 100 ms ("allow new processes to start",
 * ngx_process_cycle.c), and only then tells the old ones to stop accepting. Seeing the new generation on
 * one connection therefore does not mean every new connection gets it. An old worker that got the
 * message retitles itself "worker process is shutting down" and closes its listening sockets in the same
 * step, so a worker titled plain "worker process" from before the reload is one still accepting.
 * Blocking (reads /proc): call it from a worker thread. Where /proc cannot be read nothing is reported,
 * and the read-back relies on the generation alone.
 */
final class NginxWorkers {
    private NginxWorkers() {
    }

    /** The accepting workers of the master that owns worker {@code workerPid} (that worker included). */
    static List<Long> acceptingSiblings(long workerPid) {
        Optional<ProcessHandle> master = ProcessHandle.of(workerPid).flatMap(ProcessHandle::parent);
        return master.map(m -> m.children().map(ProcessHandle::pid).filter(NginxWorkers::accepting).toList())
                .orElse(List.of());
    }

    /**
     * For when no worker pid was known before the reload (a generation include written by hand without
     * {@code $pid}): the accepting siblings of new worker {@code newWorkerPid} that started well before
     * it. New workers of one reload start within milliseconds of each other, while the previous
     * generation's are at least the master's 100 ms older; start times have a 10 ms resolution.
     */
    static List<Long> acceptingOlderSiblings(long newWorkerPid) {
        Optional<ProcessHandle> worker = ProcessHandle.of(newWorkerPid);
        Optional<java.time.Instant> born = worker.flatMap(w -> w.info().startInstant());
        if (born.isEmpty()) {
            return List.of();
        }
        java.time.Instant cutoff = born.get().minusMillis(50);
        return worker.flatMap(ProcessHandle::parent).map(m -> m.children()
                .filter(c -> c.info().startInstant().map(t -> t.isBefore(cutoff)).orElse(false))
                .map(ProcessHandle::pid).filter(NginxWorkers::accepting).toList()).orElse(List.of());
    }

    static boolean accepting(long pid) {
        try {
            String title = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
            return title.contains("worker process") && !title.contains("shutting down");
        } catch (IOException e) {
            return false; // gone, or /proc hidden from us
        }
    }
}
