package dev.relay.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded set of recently seen keys, least recently seen evicted first: de-duplication of (from, id) for an
 * at-least-once inbox (SPEC §3.8 step 5). Redeliveries come soon after the original (the next connection), so a
 * bounded memory catches them without growing forever. Thread-safe.
 */
public final class RecentIds {
    private final Map<String, Boolean> entries;

    /** Remembers at most {@code capacity} ids, forgetting the least recently seen first. */
    public RecentIds(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.entries = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records {@code key}; false if it was already there (a duplicate), which also marks it as recently seen. */
    public synchronized boolean add(String key) {
        return entries.put(key, Boolean.TRUE) == null;
    }

    /** Forgets {@code key}, so that a redelivery is processed again (after the handler failed). */
    public synchronized void remove(String key) {
        entries.remove(key);
    }

    /** How many ids are remembered now. */
    public synchronized int size() {
        return entries.size();
    }
}
