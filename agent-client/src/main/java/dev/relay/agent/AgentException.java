package dev.relay.agent;

import dev.relay.client.RelayClientException;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import dev.relay.protocol.RelayException;

/**
 * A connection failure seen by a {@link RelayAgent}: a {@link RelayClientException} that also knows the WebSocket close
 * code it came with, which decides whether the agent reconnects (SPEC §13.6). Codes are the relay's (SPEC §10.1), the
 * gateway's (§13.4, §13.6, e.g. {@code too_many_sessions}, {@code session_taken_over}) or the client-side ones of
 * {@link RelayClientException}. Refused sends fail with a plain {@link RelayClientException}, as on every transport.
 */
public final class AgentException extends RelayClientException {
    private static final long serialVersionUID = 1L;

    /** Close code for failures that came without a close frame (transport failure, timeout, local refusal). */
    public static final int NO_CLOSE_CODE = 0;

    private final int closeCode;

    public AgentException(String code, String message) {
        this(code, message, null, NO_CLOSE_CODE, null);
    }

    public AgentException(String code, String message, Long retryAfterSeconds) {
        this(code, message, retryAfterSeconds, NO_CLOSE_CODE, null);
    }

    public AgentException(String code, String message, Throwable cause) {
        this(code, message, null, NO_CLOSE_CODE, cause);
    }

    private AgentException(String code, String message, Long retryAfterSeconds, int closeCode, Throwable cause) {
        super(code, message, retryAfterSeconds, cause);
        this.closeCode = closeCode;
    }

    /** From a protocol-library refusal (building or verifying an envelope). */
    public static AgentException of(RelayException e) {
        return new AgentException(e.code().code(), e.getMessage(), null, NO_CLOSE_CODE, e);
    }

    /** The same failure as an agent failure (keeps the code and retry-after). */
    public static AgentException of(RelayClientException e) {
        if (e instanceof AgentException agent) {
            return agent;
        }
        return new AgentException(e.code(), e.getMessage().substring(e.code().length() + 2),
                e.retryAfterSeconds().isPresent() ? e.retryAfterSeconds().getAsLong() : null, NO_CLOSE_CODE, e);
    }

    /**
     * From a WebSocket close (SPEC §13.6): the code is taken from a {@code "<code>: <text>"} reason
     * ({@link ErrorMapping}); a close without one is {@link #CONNECTION_LOST} (or {@link #CLOSED} for 1000).
     */
    public static AgentException ofClose(int closeCode, String reason) {
        String text = reason == null ? "" : reason;
        if (ErrorMapping.codeOf(text) != null) {
            Refusal refusal = ErrorMapping.fromReason(text, CONNECTION_LOST);
            return new AgentException(refusal.code(), refusal.message(), refusal.retryAfterSeconds(), closeCode, null);
        }
        String message = "connection closed with " + closeCode + (text.isEmpty() ? "" : " (" + text + ")");
        return new AgentException(closeCode == 1000 ? CLOSED : CONNECTION_LOST, message, null, closeCode, null);
    }

    /** The WebSocket close code this failure came with, or {@link #NO_CLOSE_CODE}. */
    public int closeCode() {
        return closeCode;
    }
}
