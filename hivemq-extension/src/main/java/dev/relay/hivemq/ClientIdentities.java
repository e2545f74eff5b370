package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.client.parameter.ConnectionAttributeStore;
import com.hivemq.extension.sdk.api.parameter.ClientBasedInput;
import dev.relay.core.KeyIdCache;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.util.Optional;

/**
 * Which identity a connection authenticated as, kept in HiveMQ's per-connection attribute store. Per connection, not
 * per client id: a refused connect or a session takeover with the same client id must never touch the identity of
 * the connection that is already there.
 */
final class ClientIdentities {
    static final String ATTRIBUTE = "dev.relay.key-id";
    /** Whether the connection's session outlives it (session expiry > 0; MQTT 3.1.1: clean session 0). */
    static final String PERSISTENT_ATTRIBUTE = "dev.relay.persistent-session";
    /** Parsed keys, so the interceptors do not validate an Ed25519 point per publish. */
    private final KeyIdCache parsed = new KeyIdCache(100_000);

    void authenticated(ClientBasedInput connection, KeyId identity, boolean persistentSession) {
        store(connection).putAsString(ATTRIBUTE, identity.toString());
        store(connection).putAsString(PERSISTENT_ATTRIBUTE, Boolean.toString(persistentSession));
    }

    /**
     * Whether the connection's session keeps messages after it ends. Parked messages are handed only to such sessions:
     * one that ends with its connection (a one-shot tool) would take them with it.
     */
    boolean hasPersistentSession(ClientBasedInput connection) {
        return store(connection).getAsString(PERSISTENT_ATTRIBUTE).map(Boolean::parseBoolean).orElse(false);
    }

    Optional<KeyId> of(ClientBasedInput connection) {
        Optional<String> text = store(connection).getAsString(ATTRIBUTE);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parsed.parse(text.get()));
        } catch (RelayException e) {
            return Optional.empty(); // only the authenticator writes the attribute, always with a valid key
        }
    }

    private static ConnectionAttributeStore store(ClientBasedInput connection) {
        return connection.getConnectionInformation().getConnectionAttributeStore();
    }
}
