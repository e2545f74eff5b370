package dev.relay.artemis;

import dev.relay.protocol.RelayException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay's refusals on STOMP connections that still wait for the ERROR frame Artemis sends for them, per connection.
 * Artemis words those frames itself and sends them later, from its I/O callback thread; {@link RelayStompInterceptor}
 * takes the relay's reason from here when the frame goes out (SPEC §10.6). A connection's entries go when it closes.
 */
final class StompRefusals {
    private static final int MAX_PENDING_SENDS = 64;
    /** A bound on connections with a refused connect whose ERROR never went out; each normally leaves at once. */
    private static final int MAX_CONNECT_REFUSALS = 10_000;

    /** One refused SEND: the reason string and the {@code receipt} header it asked for (or null). */
    record Send(String reason, String receipt) {
    }

    private final Map<Object, Deque<Send>> sends = new ConcurrentHashMap<>();
    private final Map<Object, RelayException> connects = new ConcurrentHashMap<>();

    /** The plugin refused a SEND on this connection; its ERROR frame follows. */
    void sendRefused(Object connectionId, String reason, String receipt) {
        Deque<Send> pending = sends.computeIfAbsent(connectionId, id -> new ArrayDeque<>());
        synchronized (pending) {
            if (pending.size() < MAX_PENDING_SENDS) {
                pending.addLast(new Send(reason, receipt));
            }
        }
    }

    /** The oldest refused SEND of this connection that has not had its ERROR frame yet, else null. */
    Send takeSend(Object connectionId) {
        Deque<Send> pending = sends.get(connectionId);
        if (pending == null) {
            return null;
        }
        synchronized (pending) {
            return pending.pollFirst();
        }
    }

    /** The security manager refused this connection's CONNECT; Artemis answers it with its own text. */
    void connectRefused(Object connectionId, RelayException refusal) {
        if (connects.size() >= MAX_CONNECT_REFUSALS) {
            connects.clear(); // at worst a refused client reads Artemis' text instead of the code
        }
        connects.put(connectionId, refusal);
    }

    /** The refusal of this connection's CONNECT, once; null if the relay refused none. */
    RelayException takeConnect(Object connectionId) {
        return connects.remove(connectionId);
    }

    void forget(Object connectionId) {
        sends.remove(connectionId);
        connects.remove(connectionId);
    }
}
