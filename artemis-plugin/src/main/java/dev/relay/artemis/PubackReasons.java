package dev.relay.artemis;

import dev.relay.protocol.RelayException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Why the relay refused an MQTT 5 publish, kept for the PUBACK (or PUBREC) Artemis sends about it: Artemis' own answer
 * is a bare {@code 0x87}, the relay's carries the code and reason string of SPEC §10.4
 * ({@link RelayMqttOutboundInterceptor}). Two sources: the plugin's veto of a send, which Artemis answers right away on
 * the same thread; and a refusal the incoming interceptor foresaw on the network thread (a name Artemis itself will
 * refuse), kept by connection and packet id until that packet's acknowledgement goes out.
 */
final class PubackReasons {
    private record Pending(Object connectionId, RelayException refusal) {
    }

    private final ThreadLocal<Pending> vetoed = new ThreadLocal<>();
    private final Map<Object, Map<Integer, RelayException>> foreseen = new ConcurrentHashMap<>();

    /** Forgets what an earlier publish on this thread left (a refusal that never got its PUBACK). */
    void clear() {
        vetoed.remove();
    }

    /** The plugin refuses the publish being handled on this thread. */
    void vetoed(Object connectionId, RelayException refusal) {
        vetoed.set(new Pending(connectionId, refusal));
    }

    /** Artemis will refuse this publish before the plugin sees it. */
    void foreseen(Object connectionId, int packetId, RelayException refusal) {
        foreseen.computeIfAbsent(connectionId, id -> new ConcurrentHashMap<>()).put(packetId, refusal);
    }

    /**
     * The refusal the acknowledgement of {@code packetId} about to go out on {@code connectionId} answers, else null.
     * Called for every acknowledgement, so that a foreseen refusal never outlives its packet.
     */
    RelayException take(Object connectionId, int packetId, boolean refused) {
        Map<Integer, RelayException> ofConnection = foreseen.get(connectionId);
        RelayException predicted = ofConnection == null ? null : ofConnection.remove(packetId);
        if (!refused) {
            return null;
        }
        Pending pending = vetoed.get();
        if (pending != null && pending.connectionId().equals(connectionId)) {
            vetoed.remove();
            return pending.refusal();
        }
        return predicted;
    }

    void forget(Object connectionId) {
        foreseen.remove(connectionId);
    }
}
