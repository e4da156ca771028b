package dev.releasepilot.ingest.remotewrite;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.window.SeriesRef;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SeriesCacheTest {
    /** A ref the test can release, as the store does when it evicts a series. */
    private static final class Ref extends SeriesRef {
        boolean released;

        @Override
        public boolean released() {
            return released;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static SeriesRef get(SeriesCache c, byte[] key) {
        return c.get(SeriesCache.hash(key, 0, key.length), key, 0, key.length);
    }

    private static void put(SeriesCache c, byte[] key, SeriesRef ref) {
        c.put(SeriesCache.hash(key, 0, key.length), key, 0, key.length, ref);
    }

    @Test
    void findsARefByTheExactBytesItWasPutWith() {
        SeriesCache c = new SeriesCache(1000);
        Ref a = new Ref();
        byte[] body = bytes("xx{job=\"a\"}yy");
        c.put(SeriesCache.hash(body, 2, 9), body, 2, 9, a);

        assertSame(a, get(c, bytes("{job=\"a\"}")));
        assertNull(get(c, bytes("{job=\"b\"}")));
        assertNull(get(c, bytes("{job=\"a\"} ")));
    }

    @Test
    void aHashMatchWithOtherBytesIsAMiss() {
        SeriesCache c = new SeriesCache(1000);
        byte[] a = bytes("series-a");
        byte[] b = bytes("series-b");
        long sameHash = SeriesCache.hash(a, 0, a.length);
        c.put(sameHash, a, 0, a.length, new Ref());

        assertNull(c.get(sameHash, b, 0, b.length)); // as if b collided with a
    }

    @Test
    void aReleasedRefIsAMissAndItsReplacementIsFound() {
        SeriesCache c = new SeriesCache(1000);
        byte[] key = bytes("{job=\"a\"}");
        Ref evicted = new Ref();
        put(c, key, evicted);
        evicted.released = true;

        assertNull(get(c, key));

        Ref recreated = new Ref();
        put(c, key, recreated);
        assertSame(recreated, get(c, key));
        assertTrue(c.size() == 1, "replaced in place, not added");
    }

    @Test
    void aRefKeyedByAnotherEncodingIsNotCachedUnderThisOne() {
        SeriesCache c = new SeriesCache(1000);
        Ref ref = new Ref();
        put(c, bytes("encoding-1"), ref);
        put(c, bytes("encoding-2"), ref); // the same series sent differently by another sender

        assertSame(ref, get(c, bytes("encoding-1")));
        assertNull(get(c, bytes("encoding-2")));
    }

    @Test
    void growsKeepingEveryEntryAndDropsReleasedOnesWhenItRebuilds() {
        SeriesCache c = new SeriesCache(1_000_000);
        Ref[] refs = new Ref[20_000];
        for (int i = 0; i < refs.length; i++) {
            refs[i] = new Ref();
            put(c, bytes("series-" + i), refs[i]);
            if (i % 2 == 0) {
                refs[i].released = true;
            }
        }
        for (int i = 0; i < refs.length; i++) {
            SeriesRef found = get(c, bytes("series-" + i));
            if (i % 2 == 0) {
                assertNull(found);
            } else {
                assertSame(refs[i], found, "series-" + i);
            }
        }
        assertTrue(c.size() < 15_000, "released refs dropped by rebuilds, size " + c.size());
    }

    @Test
    void startsOverAtItsBoundAndNeverAnswersWrong() {
        SeriesCache c = new SeriesCache(100);
        Ref[] refs = new Ref[5_000];
        for (int i = 0; i < refs.length; i++) {
            refs[i] = new Ref();
            put(c, bytes("series-" + i), refs[i]);
        }
        assertTrue(c.size() <= 1024, "bounded, size " + c.size());
        for (int i = 0; i < refs.length; i++) {
            SeriesRef found = get(c, bytes("series-" + i));
            assertTrue(found == null || found == refs[i], "series-" + i);
        }
    }
}
