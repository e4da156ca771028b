package dev.releasepilot.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory and CPU of a process, from /proc (Linux). */
record ProcStats(long rssKib, long peakRssKib, double cpuSeconds) {
    private static final double CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

    static ProcStats of(long pid) {
        try {
            long rss = 0;
            long hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kib(line);
                }
            }
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name (which may contain spaces) start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS_PER_SECOND; // utime, stime
            return new ProcStats(rss, hwm, cpu);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
