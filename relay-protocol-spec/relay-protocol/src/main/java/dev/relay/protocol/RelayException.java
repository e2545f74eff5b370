package dev.relay.protocol;

import java.util.Objects;

/**
 * A refusal with a stable {@link ErrorCode}. Checked on purpose: every parser and verifier in this library either
 * returns a valid value or throws this, so callers must decide what the client sees.
 */
public final class RelayException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public RelayException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    /** {@code "<code>: <message>"}, the reason string for every transport. */
    public String reasonString() {
        return code.reasonString(getMessage());
    }

    @Override
    public String toString() {
        return reasonString();
    }
}
