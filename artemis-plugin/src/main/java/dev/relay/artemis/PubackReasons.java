package dev.relay.artemis;

import dev.relay.protocol.RelayException;

/**
 * The relay's refusal of the MQTT 5 publish Artemis is handling on this thread, kept for the PUBACK (or PUBREC) that
 * Artemis sends right after the plugin's veto, on the same thread: Artemis' own answer is a bare {@code 0x87}, the
 * relay's carries the code and reason string of SPEC §10.4 ({@link RelayMqttOutboundInterceptor}).
 */
final class PubackReasons {
    private record Pending(Object connectionId, RelayException refusal) {
    }

    private final ThreadLocal<Pending> pending = new ThreadLocal<>();

    /** Forgets what an earlier publish on this thread left (a refusal that never got its PUBACK). */
    void clear() {
        pending.remove();
    }

    void refused(Object connectionId, RelayException refusal) {
        pending.set(new Pending(connectionId, refusal));
    }

    /** The refusal the PUBACK about to go out on {@code connectionId} answers, else null. */
    RelayException take(Object connectionId) {
        Pending refused = pending.get();
        pending.remove();
        return refused != null && refused.connectionId().equals(connectionId) ? refused.refusal() : null;
    }
}
