package dev.releasepilot.bench;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.pg.PgJournal;
import dev.releasepilot.journal.pg.PgUrl;
import dev.releasepilot.peers.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Journal append throughput and latency, the embedded file store against PostgreSQL, in one run on one
 * machine: N services append concurrently, each one group at a time (as a service's controller does:
 * the next record waits for the last), groups of two records (a decision and an action) with bodies of
 * the given size. Latency is append call → durable (fsync'd to the file, or committed in PostgreSQL
 * with its default synchronous_commit=on and fsync=on). Each store runs three rounds, alternating with
 * the other, and the round with the median throughput is reported.
 *
 * <p>Run: {@code k6/bench.sh JournalBench [services,...] [groups per service] [body bytes]}.
 */
public final class JournalBench {
    public static void main(String[] args) throws Exception {
        int[] services = Arrays.stream((args.length > 0 ? args[0] : "1,16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        int groups = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int bytes = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        Path dir = Files.createTempDirectory("rp-journal-bench");
        List<String> rows = new ArrayList<>();
        try (Postgres pg = new Postgres().start()) {
            for (int n : services) {
                int perService = Math.max(20, groups / n);
                String url = pg.createDatabase("bench_" + n);
                List<Result> files = new ArrayList<>();
                List<Result> pgs = new ArrayList<>();
                try (Journal file = FileJournal.open(dir.resolve("file-" + n), Clock.systemUTC(), new SimpleMeterRegistry());
                     Journal postgres = PgJournal.open(PgUrl.parse(url, null), PgJournal.Options.of("bench",
                             dir.resolve("spool-" + n)), Clock.systemUTC(), new SimpleMeterRegistry())) {
                    run(file, n, Math.min(50, perService), bytes); // warm-up
                    run(postgres, n, Math.min(50, perService), bytes);
                    // Alternating rounds, the median round of each store reported: on a shared machine the
                    // load changes between runs, and alternating spreads it over both stores alike.
                    for (int round = 0; round < ROUNDS; round++) {
                        files.add(run(file, n, perService, bytes));
                        pgs.add(run(postgres, n, perService, bytes));
                    }
                }
                Result file = median(files);
                Result postgres = median(pgs);
                rows.add(file.row("file", n));
                rows.add(postgres.row("PostgreSQL", n));
                rows.add(String.format(Locale.ROOT, "| %-10s | %8d | %10s | %10.2fx | %8.2fx | %8.2fx |", "pg / file", n, "",
                        postgres.groupsPerSecond / file.groupsPerSecond, postgres.p50 / file.p50, postgres.p99 / file.p99));
            }
            System.out.printf(Locale.ROOT, "%ngroups of 2 records with %d-byte bodies, ~%d groups per run, median of " + ROUNDS
                    + " alternating rounds, %d cores, %s%n",
                    bytes, groups, Runtime.getRuntime().availableProcessors(), pg.sql("postgres", "SELECT version()").split(",")[0]);
            System.out.printf(Locale.ROOT, "| %-10s | %8s | %10s | %11s | %9s | %9s |%n", "store", "services", "groups", "groups/s",
                    "p50 ms", "p99 ms");
            System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(12), "-".repeat(10), "-".repeat(12), "-".repeat(13),
                    "-".repeat(11), "-".repeat(11));
            rows.forEach(System.out::println);
        }
    }

    private static final int ROUNDS = 3;

    /** The round with the median throughput. */
    private static Result median(List<Result> rounds) {
        List<Result> sorted = new ArrayList<>(rounds);
        sorted.sort(java.util.Comparator.comparingDouble(Result::groupsPerSecond));
        return sorted.get(sorted.size() / 2);
    }

    private record Result(long groups, double groupsPerSecond, double p50, double p99) {
        String row(String store, int services) {
            return String.format(Locale.ROOT, "| %-10s | %8d | %10d | %11.0f | %9.2f | %9.2f |", store, services, groups,
                    groupsPerSecond, p50, p99);
        }
    }

    private static Result run(Journal j, int services, int perService, int bytes) throws Exception {
        String filler = "x".repeat(bytes);
        ExecutorService pool = Executors.newFixedThreadPool(services);
        try {
            List<Future<long[]>> all = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int s = 0; s < services; s++) {
                String service = "svc-" + s;
                all.add(pool.submit(() -> {
                    long[] nanos = new long[perService];
                    for (int i = 0; i < perService; i++) {
                        long a = System.nanoTime();
                        j.append(service, Fence.NONE, List.of(new Draft("decision", new JsonObject().put("i", i).put("pad", filler)),
                                        new Draft("action", new JsonObject().put("i", i).put("pad", filler))))
                                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                        nanos[i] = System.nanoTime() - a;
                    }
                    return nanos;
                }));
            }
            List<Long> lat = new ArrayList<>();
            for (Future<long[]> f : all) {
                for (long v : f.get(10, TimeUnit.MINUTES)) {
                    lat.add(v);
                }
            }
            long wall = System.nanoTime() - t0;
            lat.sort(null);
            return new Result(lat.size(), lat.size() / (wall / 1e9), pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double pct(List<Long> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
