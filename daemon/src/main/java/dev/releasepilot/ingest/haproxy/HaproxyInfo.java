package dev.releasepilot.ingest.haproxy;

/**
 * The three lines of {@code show info} that tell one HAProxy worker from the next: a reload (master-worker
 * {@code USR2}, {@code haproxy -sf}) or a restart starts a worker with a new {@code Pid} and
 * {@code Start_time_sec}; a worker that was replaced but still serves old connections says
 * {@code Stopping: 1} and keeps answering with counters that no longer move.
 */
record HaproxyInfo(long pid, long startTimeSec, long uptimeSec, boolean stopping) {

    /** Parses the answer in {@code b[from, to)}; fails when it is not a {@code show info} answer. */
    static HaproxyInfo parse(byte[] b, int from, int to) {
        long pid = -1;
        long start = -1;
        long uptime = -1;
        long stopping = 0;
        int line = from;
        while (line < to) {
            int eol = line;
            while (eol < to && b[eol] != '\n') {
                eol++;
            }
            if (PromexTable.startsWith(b, line, eol, "Pid: ")) {
                pid = number(b, line + 5, eol);
            } else if (PromexTable.startsWith(b, line, eol, "Start_time_sec: ")) {
                start = number(b, line + 16, eol);
            } else if (PromexTable.startsWith(b, line, eol, "Uptime_sec: ")) {
                uptime = number(b, line + 12, eol);
            } else if (PromexTable.startsWith(b, line, eol, "Stopping: ")) {
                stopping = number(b, line + 10, eol);
            }
            line = eol + 1;
        }
        if (pid < 0 || uptime < 0) {
            throw new StatsPollFailure(StatsPollFailure.Kind.PROTOCOL, "not a 'show info' answer: "
                    + new String(b, from, Math.min(to - from, 120), java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        return new HaproxyInfo(pid, start, uptime, stopping > 0);
    }

    /** Whether {@code next} comes from another worker or a restarted process than this one. */
    boolean replacedBy(HaproxyInfo next) {
        return next.pid != pid || (next.startTimeSec >= 0 && next.startTimeSec != startTimeSec)
                || next.uptimeSec < uptimeSec;
    }

    private static long number(byte[] b, int from, int to) {
        long v = 0;
        int digits = 0;
        for (int i = from; i < to && b[i] >= '0' && b[i] <= '9'; i++, digits++) {
            v = v * 10 + (b[i] - '0');
        }
        return digits == 0 ? -1 : v;
    }
}
