package dev.releasepilot.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Rendezvous (highest random weight) hashing: of the live instances, the one whose hash with the
 * service's name is highest should hold the service. Every instance computes the same answer from the
 * same live set without talking to the others; when an instance joins or leaves, only the services it
 * wins or held move (about 1/n of them), the rest stay where they are.
 */
final class Rendezvous {
    private Rendezvous() {
    }

    /** The instance that should hold {@code service}, or null when {@code instances} is empty. */
    static String owner(String service, Collection<String> instances) {
        String best = null;
        long bestScore = 0;
        for (String i : instances) {
            long s = score(service, i);
            // Ties (astronomically rare) go to the smaller id, so every instance agrees.
            if (best == null || Long.compareUnsigned(s, bestScore) > 0 || (s == bestScore && i.compareTo(best) < 0)) {
                best = i;
                bestScore = s;
            }
        }
        return best;
    }

    /** FNV-1a over "instance\0service", then a 64-bit finaliser (splitmix) so near names spread well. */
    static long score(String service, String instance) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (instance + "\0" + service).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }
}
