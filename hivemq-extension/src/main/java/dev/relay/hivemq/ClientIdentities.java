package dev.relay.hivemq;

import dev.relay.protocol.KeyId;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which identity each connected client id authenticated as. Filled by the authenticator, emptied on disconnect; every
 * publishing client authenticated in this broker run, so the interceptors always find it here.
 */
final class ClientIdentities {
    private final ConcurrentHashMap<String, KeyId> byClientId = new ConcurrentHashMap<>();

    void authenticated(String clientId, KeyId identity) {
        byClientId.put(clientId, identity);
    }

    Optional<KeyId> of(String clientId) {
        return Optional.ofNullable(byClientId.get(clientId));
    }

    void disconnected(String clientId) {
        byClientId.remove(clientId);
    }
}
