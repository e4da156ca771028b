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

    /**
     * CPU seconds each JIT compiler thread of the process has used, by thread id (HotSpot names them
     * "C1 CompilerThread*" and "C2 CompilerThread*" and starts and stops them as the load changes);
     * empty for a process that has none, such as Prometheus.
     */
    static java.util.Map<Long, Double> compilerCpuSeconds(long pid) {
        java.util.Map<Long, Double> byThread = new java.util.HashMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (comm.contains("CompilerThre")) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byThread.put(Long.parseLong(task.getFileName().toString()),
                            (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS_PER_SECOND);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byThread;
    }

    /**
     * What the compiler threads in {@code after} used since {@code before}; a thread that ended in
     * between is not counted (its CPU is gone from /proc), one that started counts from zero.
     */
    static double compilerCpuSince(java.util.Map<Long, Double> before, java.util.Map<Long, Double> after) {
        double sum = 0;
        for (java.util.Map.Entry<Long, Double> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0.0);
        }
        return sum;
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
