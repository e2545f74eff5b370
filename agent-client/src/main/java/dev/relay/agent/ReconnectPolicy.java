package dev.relay.agent;

import dev.relay.client.RelayClientException;
import java.util.Set;

/**
 * Whether a lost or refused connection is worth another attempt (SPEC §13.6). Reconnecting cannot fix refusals that
 * need a change first (a wrong key, realm or client id, a session taken over by another connection, too many sessions);
 * everything transient (gateway or broker restarts, idle or slow-consumer closes, transport failures) is retried.
 */
final class ReconnectPolicy {
    /** Codes that mean "not without a change", whatever close code carried them. */
    private static final Set<String> PERMANENT = Set.of(
            "bad_signature", "bad_client_id", "bad_credentials", "forbidden", "session_taken_over", "too_many_sessions");

    private ReconnectPolicy() {
    }

    /**
     * @param closeCode the WebSocket close code, or {@link AgentException#NO_CLOSE_CODE} for a transport failure or
     *                  timeout without a close frame
     * @param code      the error code from the close reason (or the client-side code)
     */
    static boolean shouldReconnect(int closeCode, String code) {
        if (PERMANENT.contains(code)) {
            return false;
        }
        switch (closeCode) {
            case AgentException.NO_CLOSE_CODE: // transport failure, handshake refused (HTTP 429/503), timeout
            case 1001: // gateway shutting down
            case 1006: // abnormal end
            case 1011: // gateway-side failure: "internal", which SPEC §10.1 says a client may retry
            case 1012: // broker connection lost
            case 1013: // broker unavailable
            case 4401: // authentication failed, but not for a permanent reason: replay, expired_token, internal
            case 4408: // idle timeout
            case 4508: // slow consumer
                return true;
            default: // 1000, 1008/1009 (a client bug would repeat), 4409, 4429, unknown codes
                return false;
        }
    }

    /** A failure without a close code (a timeout, a transport failure, a handler that failed) is transient. */
    static boolean shouldReconnect(RelayClientException failure) {
        int closeCode = failure instanceof AgentException agent ? agent.closeCode() : AgentException.NO_CLOSE_CODE;
        return shouldReconnect(closeCode, failure.code());
    }
}
