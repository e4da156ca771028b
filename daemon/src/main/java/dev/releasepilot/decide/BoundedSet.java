package dev.releasepilot.decide;

import java.util.LinkedHashMap;
import java.util.Map;

/** Insertion-ordered set that forgets its oldest members beyond a limit: memory per service stays bounded. */
final class BoundedSet {
    private final LinkedHashMap<String, Boolean> map;

    BoundedSet(int limit) {
        this.map = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > limit;
            }
        };
    }

    void add(String key) {
        map.put(key, Boolean.TRUE);
    }

    boolean contains(String key) {
        return map.containsKey(key);
    }

    void clear() {
        map.clear();
    }

    int size() {
        return map.size();
    }
}
