package dev.releasepilot.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Journal} promises, whatever stores it: seqs in append order, groups whole and
 * contiguous, records durable across a reopen, replay from each service's newest snapshot, and the
 * full history in pages. A new store (PostgreSQL) extends this with its own {@link #open()}.
 */
public abstract class JournalContract {
    /** Opens the store under test on the same storage each time (a reopen sees what was appended). */
    protected abstract Journal open() throws Exception;

    /**
     * A second writer on the same storage, where the store allows one (PostgreSQL: another process's
     * journal object); null where it takes one writer object only (the file store locks its dir), in
     * which case concurrent writers share the one {@link #open()} returns.
     */
    protected Journal openAnotherWriter() throws Exception {
        return null;
    }

    @Test
    void appendsGetSeqsInOrderAndSurviveReopen() throws Exception {
        try (Journal j = open()) {
            assertEquals(List.of(), j.replay(Set.of("checkout", "payments")));
            assertEquals(List.of(1L), seqs(append(j, "checkout", draft("alert", 1))));
            assertEquals(List.of(2L), seqs(append(j, "payments", draft("decision", 2))));
            assertEquals(List.of(3L), seqs(append(j, "checkout", draft("action", 3))));
            assertTrue(j.writable());
        }
        try (Journal j = open()) {
            List<JournalEntry> r = j.replay(Set.of("checkout", "payments"));
            assertEquals(List.of(1L, 2L, 3L), seqs(r));
            assertEquals(List.of("checkout", "payments", "checkout"), r.stream().map(JournalEntry::service).toList());
            assertEquals(List.of("alert", "decision", "action"), r.stream().map(JournalEntry::type).toList());
            assertEquals(List.of(1, 2, 3), ns(r));
            assertEquals(List.of(1L, 3L), seqs(j.replay(Set.of("checkout"))), "only the services asked for");
            assertEquals(List.of(4L), seqs(append(j, "checkout", draft("alert", 4))), "seqs continue after a reopen");
        }
    }

    @Test
    void aGroupIsContiguousAndWhole() throws Exception {
        try (Journal j = open()) {
            append(j, "checkout", draft("alert", 1));
            // Groups of two services appended concurrently: each one's seqs stay together.
            Future<List<JournalEntry>> a = j.append("checkout", Fence.NONE, List.of(draft("alert", 10), draft("decision", 11)));
            Future<List<JournalEntry>> b = j.append("payments", Fence.NONE, List.of(draft("alert", 20), draft("decision", 21),
                    draft("action", 22)));
            List<JournalEntry> ga = await(a);
            List<JournalEntry> gb = await(b);
            assertEquals(ga.get(0).seq() + 1, ga.get(1).seq());
            assertEquals(List.of(gb.get(0).seq(), gb.get(0).seq() + 1, gb.get(0).seq() + 2), seqs(gb));
            assertEquals(List.of(10, 11), ns(ga));
        }
        try (Journal j = open()) {
            assertEquals(6, j.replay(Set.of("checkout", "payments")).size());
        }
    }

    @Test
    void replayStartsAtEachServicesNewestSnapshot() throws Exception {
        try (Journal j = open()) {
            append(j, "checkout", draft("alert", 1));
            append(j, "checkout", draft(Journal.SNAPSHOT, 2));
            append(j, "payments", draft("alert", 3));
            append(j, "checkout", draft("decision", 4));
            append(j, "checkout", draft(Journal.SNAPSHOT, 5));
            append(j, "checkout", draft("action", 6));
            append(j, "payments", draft("decision", 7));
        }
        try (Journal j = open()) {
            assertEquals(List.of(3, 5, 6, 7), ns(j.replay(Set.of("checkout", "payments"))),
                    "checkout from its newest snapshot; payments, which has none, whole");
            assertEquals(List.of(5, 6), ns(j.replay(Set.of("checkout"))));
        }
    }

    @Test
    void pagesWalkTheWholeHistoryNewestFirstWithoutSnapshots() throws Exception {
        List<Integer> checkout = new ArrayList<>();
        try (Journal j = open()) {
            for (int i = 1; i <= 250; i++) {
                String service = i % 3 == 0 ? "payments" : "checkout";
                String type = i % 50 == 0 ? Journal.SNAPSHOT : "alert";
                append(j, service, draft(type, i));
                if (service.equals("checkout") && !type.equals(Journal.SNAPSHOT)) {
                    checkout.add(i);
                }
            }
        }
        try (Journal j = open()) {
            j.replay(Set.of("checkout"));
            append(j, "checkout", draft("alert", 251)); // one record newer than the reopen
            checkout.add(251);
            Page first = j.page("checkout", Long.MAX_VALUE, 10);
            assertEquals(checkout.subList(checkout.size() - 10, checkout.size()), ns(first.records()),
                    "the newest ten, oldest first");
            List<Integer> walked = new ArrayList<>(ns(first.records()));
            long before = first.next();
            int pages = 1;
            while (before != 0) {
                Page p = j.page("checkout", before, 10);
                assertTrue(p.records().size() <= 10);
                assertTrue(p.records().isEmpty() || p.records().get(p.records().size() - 1).seq() < before);
                walked.addAll(0, ns(p.records()));
                before = p.next();
                pages++;
            }
            assertEquals(checkout, walked, "every checkout record once, snapshots left out");
            assertTrue(pages >= checkout.size() / 10);
            assertEquals(List.of(248, 249, 251), ns(j.page(null, Long.MAX_VALUE, 3).records()), "null: every service");
            assertEquals(List.of(), j.page("search", Long.MAX_VALUE, 10).records());
            assertEquals(0, j.page("search", Long.MAX_VALUE, 10).next());
            assertEquals(List.of(), j.page("checkout", Long.MAX_VALUE, 0).records());
        }
    }

    @Test
    void appendAfterCloseFailsWithJournalUnavailable() throws Exception {
        Journal j = open();
        j.close();
        Throwable cause = j.append("checkout", Fence.NONE, List.of(draft("alert", 1))).cause();
        assertTrue(cause instanceof JournalUnavailable, String.valueOf(cause));
    }

    @Test
    void concurrentWritersCommitInSeqOrderWithGroupsWhole() throws Exception {
        try (Journal a = open(); Journal other = openAnotherWriter()) {
            List<Journal> writers = other == null ? List.of(a) : List.of(a, other);
            int threads = 4;
            int groupsEach = 30;
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            try {
                List<java.util.concurrent.Future<List<List<JournalEntry>>>> written = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Journal w = writers.get(t % writers.size());
                    int thread = t;
                    written.add(pool.submit(() -> {
                        List<List<JournalEntry>> groups = new ArrayList<>();
                        for (int i = 0; i < groupsEach; i++) {
                            List<Draft> g = new ArrayList<>();
                            for (int k = 0; k <= i % 3; k++) {
                                g.add(draft("alert", thread * 10_000 + i * 10 + k));
                            }
                            groups.add(await(w.append("svc-" + thread, Fence.NONE, g)));
                        }
                        return groups;
                    }));
                }
                // A reader while they write: a record it has not seen before is always newer than all it saw.
                AtomicBoolean writing = new AtomicBoolean(true);
                java.util.concurrent.Future<Integer> reads = pool.submit(() -> {
                    Set<Long> seen = new HashSet<>();
                    long max = 0;
                    int fetches = 0;
                    while (writing.get()) {
                        List<JournalEntry> now = a.page(null, Long.MAX_VALUE, 1_000).records();
                        long newMax = max;
                        for (JournalEntry e : now) {
                            if (seen.add(e.seq())) {
                                assertTrue(e.seq() > max, "seq " + e.seq() + " appeared after " + max + " was seen");
                            }
                            newMax = Math.max(newMax, e.seq());
                        }
                        max = newMax;
                        fetches++;
                    }
                    return fetches;
                });
                Set<Integer> appended = new HashSet<>();
                for (var f : written) {
                    for (List<JournalEntry> g : f.get(60, TimeUnit.SECONDS)) {
                        for (int k = 1; k < g.size(); k++) {
                            assertEquals(g.get(0).seq() + k, g.get(k).seq(), "a group's seqs are consecutive");
                        }
                        appended.addAll(ns(g));
                    }
                }
                writing.set(false);
                assertTrue(reads.get(60, TimeUnit.SECONDS) > 0);
                List<JournalEntry> all = a.page(null, Long.MAX_VALUE, 1_000).records();
                assertEquals(appended.size(), all.size(), "every record once");
                assertEquals(appended, new HashSet<>(ns(all)));
                for (int i = 0; i < all.size(); i++) {
                    assertEquals(i + 1, all.get(i).seq(), "seqs without gaps");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // --- fixtures

    protected static Draft draft(String type, int n) {
        return new Draft(type, new JsonObject().put("n", n));
    }

    protected static List<JournalEntry> append(Journal j, String service, Draft d) throws Exception {
        return await(j.append(service, Fence.NONE, List.of(d)));
    }

    protected static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    protected static List<Long> seqs(List<JournalEntry> es) {
        return es.stream().map(JournalEntry::seq).toList();
    }

    protected static List<Integer> ns(List<JournalEntry> es) {
        return es.stream().map(e -> e.body().getInteger("n")).toList();
    }
}
