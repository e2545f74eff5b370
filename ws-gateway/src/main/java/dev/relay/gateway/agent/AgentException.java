package dev.relay.gateway.agent;

import dev.relay.protocol.RelayException;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A refusal or failure seen by a {@link RelayAgent}. {@link #code()} is a stable lowercase string: one of the relay's
 * codes (SPEC §10.1, e.g. {@code acl_denied}, {@code replay}), a gateway code (§13.4, §13.6, e.g.
 * {@code too_many_sessions}, {@code session_taken_over}) or one of the client-side codes declared here. As SPEC §10.1
 * says, treat a code you do not know as a generic failure.
 */
public final class AgentException extends Exception {
    private static final long serialVersionUID = 1L;

    /** No answer in time: no {@code welcome} within the connect timeout, no response within the request timeout. */
    public static final String TIMEOUT = "timeout";
    /** The connection ended before an answer came; a send may or may not have been accepted (retrying is safe). */
    public static final String CONNECTION_LOST = "connection_lost";
    /** The WebSocket handshake failed (unreachable, HTTP 429/503, TLS). */
    public static final String CONNECT_FAILED = "connect_failed";
    /** There is no connection at the moment (reconnecting, or not connected yet). */
    public static final String NOT_CONNECTED = "not_connected";
    /** The agent was closed. */
    public static final String CLOSED = "closed";
    /** The gateway spoke something this client does not understand. */
    public static final String PROTOCOL_ERROR = "protocol_error";
    /** Close code for failures that came without a close frame (transport failure, timeout, local refusal). */
    public static final int NO_CLOSE_CODE = 0;

    // A reason string (SPEC §10.2) is "<code>: <text>"; the code is the text before the first ": ".
    private static final Pattern REASON_CODE = Pattern.compile("[a-z][a-z0-9_]*");

    private final String code;
    private final Long retryAfterSeconds;
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
        super(code + ": " + message, cause);
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.closeCode = closeCode;
    }

    /** From a protocol-library refusal (building or verifying an envelope). */
    public static AgentException of(RelayException e) {
        return new AgentException(e.code().code(), e.getMessage(), null, NO_CLOSE_CODE, e);
    }

    /**
     * From a WebSocket close (SPEC §13.6): the code is taken from a {@code "<code>: <text>"} reason; a close without
     * one is {@link #CONNECTION_LOST} (or {@link #CLOSED} for 1000).
     */
    public static AgentException ofClose(int closeCode, String reason) {
        String text = reason == null ? "" : reason;
        int colon = text.indexOf(": ");
        if (colon > 0 && REASON_CODE.matcher(text.substring(0, colon)).matches()) {
            return new AgentException(text.substring(0, colon), text.substring(colon + 2), null, closeCode, null);
        }
        String code = closeCode == 1000 ? CLOSED : CONNECTION_LOST;
        String message = "connection closed with " + closeCode + (text.isEmpty() ? "" : " (" + text + ")");
        return new AgentException(code, message, null, closeCode, null);
    }

    /** The stable code, e.g. {@code rate_limited}. */
    public String code() {
        return code;
    }

    /** Seconds to wait before retrying, when the refusal said so ({@code rate_limited}). */
    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds == null ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
    }

    /** The WebSocket close code this failure came with, or {@link #NO_CLOSE_CODE}. */
    public int closeCode() {
        return closeCode;
    }
}
