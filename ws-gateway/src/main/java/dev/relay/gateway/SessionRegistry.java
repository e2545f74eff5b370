package dev.relay.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The authenticated sessions of this gateway by identity, for {@code max_sessions_per_identity} (SPEC §13.3), and every
 * open connection, for shutdown. Only sessions the broker accepted count, so that nobody can use up another identity's
 * slots with tokens that do not verify.
 */
final class SessionRegistry {
    private final int maxPerIdentity;
    private final Map<String, Set<ClientConnection>> byIdentity = new HashMap<>();
    private final Set<ClientConnection> connections = new LinkedHashSet<>();

    SessionRegistry(int maxPerIdentity) {
        this.maxPerIdentity = maxPerIdentity;
    }

    synchronized void opened(ClientConnection connection) {
        connections.add(connection);
    }

    synchronized void closed(ClientConnection connection) {
        connections.remove(connection);
        Set<ClientConnection> sessions = byIdentity.get(connection.keyId());
        if (sessions != null && sessions.remove(connection) && sessions.isEmpty()) {
            byIdentity.remove(connection.keyId());
        }
    }

    /**
     * Registers an authenticated session unless its identity is at the limit. A session with the same client id does
     * not count: the broker has just taken it over and it is about to close.
     */
    synchronized boolean register(ClientConnection connection) {
        Set<ClientConnection> sessions = byIdentity.computeIfAbsent(connection.keyId(), k -> new LinkedHashSet<>());
        long others = sessions.stream().filter(s -> !s.clientId().equals(connection.clientId())).count();
        if (others >= maxPerIdentity) {
            if (sessions.isEmpty()) {
                byIdentity.remove(connection.keyId());
            }
            return false;
        }
        sessions.add(connection);
        return true;
    }

    synchronized int sessionsOf(String keyId) {
        Set<ClientConnection> sessions = byIdentity.get(keyId);
        return sessions == null ? 0 : sessions.size();
    }

    synchronized List<ClientConnection> all() {
        return new ArrayList<>(connections);
    }

    synchronized int connectionCount() {
        return connections.size();
    }
}
