package dev.relay.artemis;

import dev.relay.protocol.RelayException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay's refusals waiting for the answer Artemis words and sends itself, kept per connection (dropped when it
 * closes) so that an outgoing interceptor can put the relay's code into that answer:
 * <ul>
 * <li>MQTT 5 PUBACK or PUBREC, a bare {@code 0x87} from Artemis ({@link RelayMqttOutboundInterceptor}, SPEC §10.4):
 * the plugin's veto of a send, which Artemis answers right away on the same thread, or a refusal the incoming
 * interceptor foresaw on the network thread (a name Artemis itself will refuse), kept by packet id until that packet's
 * acknowledgement goes out.</li>
 * <li>STOMP ERROR frames, which Artemis sends later from its I/O callback thread ({@link RelayStompInterceptor}, SPEC
 * §10.6): the refused CONNECT, and the refused SENDs in order.</li>
 * </ul>
 */
final class PendingRefusals {
    private static final int MAX_PENDING_SENDS = 64;
    /** A bound on connections with a refused connect whose ERROR never went out; each normally leaves at once. */
    private static final int MAX_CONNECT_REFUSALS = 10_000;

    /** One refused STOMP SEND: the reason string and the {@code receipt} header it asked for (or null). */
    record Send(String reason, String receipt) {
    }

    private record Vetoed(Object connectionId, RelayException refusal) {
    }

    private final ThreadLocal<Vetoed> vetoed = new ThreadLocal<>();
    private final Map<Object, Map<Integer, RelayException>> foreseen = new ConcurrentHashMap<>();
    private final Map<Object, Deque<Send>> stompSends = new ConcurrentHashMap<>();
    private final Map<Object, RelayException> stompConnects = new ConcurrentHashMap<>();

    /** Forgets what an earlier publish on this thread left (a refusal that never got its PUBACK). */
    void clearVetoed() {
        vetoed.remove();
    }

    /** The plugin refuses the publish being handled on this thread. */
    void vetoed(Object connectionId, RelayException refusal) {
        vetoed.set(new Vetoed(connectionId, refusal));
    }

    /** Artemis will refuse this publish before the plugin sees it. */
    void foreseen(Object connectionId, int packetId, RelayException refusal) {
        foreseen.computeIfAbsent(connectionId, id -> new ConcurrentHashMap<>()).put(packetId, refusal);
    }

    /**
     * The refusal the acknowledgement of {@code packetId} about to go out on {@code connectionId} answers, else null.
     * Called for every acknowledgement, so that a foreseen refusal never outlives its packet.
     */
    RelayException takePuback(Object connectionId, int packetId, boolean refused) {
        Map<Integer, RelayException> ofConnection = foreseen.get(connectionId);
        RelayException predicted = ofConnection == null ? null : ofConnection.remove(packetId);
        if (!refused) {
            return null;
        }
        Vetoed pending = vetoed.get();
        if (pending != null && pending.connectionId().equals(connectionId)) {
            vetoed.remove();
            return pending.refusal();
        }
        return predicted;
    }

    /** The plugin refused a SEND on this connection; its ERROR frame follows. */
    void stompSendRefused(Object connectionId, String reason, String receipt) {
        Deque<Send> pending = stompSends.computeIfAbsent(connectionId, id -> new ArrayDeque<>());
        synchronized (pending) {
            if (pending.size() < MAX_PENDING_SENDS) {
                pending.addLast(new Send(reason, receipt));
            }
        }
    }

    /** The oldest refused SEND of this connection that has not had its ERROR frame yet, else null. */
    Send takeStompSend(Object connectionId) {
        Deque<Send> pending = stompSends.get(connectionId);
        if (pending == null) {
            return null;
        }
        synchronized (pending) {
            return pending.pollFirst();
        }
    }

    /** The security manager refused this connection's CONNECT; Artemis answers it with its own text. */
    void stompConnectRefused(Object connectionId, RelayException refusal) {
        if (stompConnects.size() >= MAX_CONNECT_REFUSALS) {
            stompConnects.clear(); // at worst a refused client reads Artemis' text instead of the code
        }
        stompConnects.put(connectionId, refusal);
    }

    /** The refusal of this connection's CONNECT, once; null if the relay refused none. */
    RelayException takeStompConnect(Object connectionId) {
        return stompConnects.remove(connectionId);
    }

    void forget(Object connectionId) {
        foreseen.remove(connectionId);
        stompSends.remove(connectionId);
        stompConnects.remove(connectionId);
    }
}
