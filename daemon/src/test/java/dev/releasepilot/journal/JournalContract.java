package dev.releasepilot.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Journal} promises, whatever stores it: seqs in append order, groups whole and
 * contiguous, records durable across a reopen, replay from each service's newest snapshot, and the
 * full history in pages. A new store (PostgreSQL) extends this with its own {@link #open()}.
 */
public abstract class JournalContract {
    /** Opens the store under test on the same storage each time (a reopen sees what was appended). */
    protected abstract Journal open() throws Exception;

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
