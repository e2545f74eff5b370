package dev.relay.core;

import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed key ids. Full validation of an Ed25519 point costs about as much as a signature check, and the same few
 * thousand identities come back all the time, so parse each once. Bounded: cleared when it grows past its size.
 */
public final class KeyIdCache {
    private final int maxEntries;
    private final ConcurrentHashMap<String, KeyId> keys = new ConcurrentHashMap<>();

    public KeyIdCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** As {@link KeyId#parse}: a key id or a {@link RelayException}, also for null (which the map would refuse). */
    public KeyId parse(String text) throws RelayException {
        KeyId cached = text == null ? null : keys.get(text);
        if (cached != null) {
            return cached;
        }
        KeyId parsed = KeyId.parse(text);
        if (keys.size() >= maxEntries) {
            // Racing callers may each clear or add one more entry; the bound stays approximate, which is all it needs.
            keys.clear();
        }
        keys.put(text, parsed);
        return parsed;
    }
}
