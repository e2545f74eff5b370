package dev.relay.client;

import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import dev.relay.protocol.RelayException;
import java.util.OptionalLong;

/**
 * A refusal or failure seen by a Relay client. {@link #code()} is a stable lowercase string: one of the relay's codes
 * (SPEC §10.1, e.g. {@code acl_denied}, {@code replay}), a transport's code (e.g. the gateway's
 * {@code too_many_sessions}) or one of the client-side codes declared here. As SPEC §10.1 says, treat a code you do
 * not know as a generic failure. Transports read the relay's answers with {@link ErrorMapping}, so the same answer
 * gives the same code on every transport.
 */
public class RelayClientException extends Exception {
    private static final long serialVersionUID = 1L;

    /** No answer in time: no connection within the connect timeout, no response within the request timeout. */
    public static final String TIMEOUT = "timeout";
    /** The connection ended before an answer came; a send may or may not have been accepted (retrying is safe). */
    public static final String CONNECTION_LOST = "connection_lost";
    /** The connection could not be opened (unreachable, TLS, handshake refused without a relay code). */
    public static final String CONNECT_FAILED = "connect_failed";
    /** There is no connection at the moment (reconnecting, or not connected yet). */
    public static final String NOT_CONNECTED = "not_connected";
    /** The client was closed. */
    public static final String CLOSED = "closed";
    /** The other side spoke something this client does not understand. */
    public static final String PROTOCOL_ERROR = "protocol_error";

    private final String code;
    private final Long retryAfterSeconds;

    public RelayClientException(String code, String message) {
        this(code, message, null, null);
    }

    public RelayClientException(String code, String message, Long retryAfterSeconds) {
        this(code, message, retryAfterSeconds, null);
    }

    public RelayClientException(String code, String message, Throwable cause) {
        this(code, message, null, cause);
    }

    protected RelayClientException(String code, String message, Long retryAfterSeconds, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** From a protocol-library refusal (building or verifying an envelope). */
    public static RelayClientException of(RelayException e) {
        return new RelayClientException(e.code().code(), e.getMessage(), null, e);
    }

    /** From a refusal read off a transport ({@link ErrorMapping}): its code, text and retry-after. */
    public static RelayClientException of(Refusal refusal) {
        return new RelayClientException(refusal.code(), refusal.message(), refusal.retryAfterSeconds());
    }

    /** The stable code, e.g. {@code rate_limited}. */
    public String code() {
        return code;
    }

    /** Seconds to wait before retrying, when the relay said so ({@code rate_limited}, SPEC §9). */
    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds == null ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
    }
}
