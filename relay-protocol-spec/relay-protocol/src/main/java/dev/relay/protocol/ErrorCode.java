package dev.relay.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * The stable error codes of SPEC §10, with how each one is signalled on the transports that have reason codes.
 * Adapters map through these methods so that every broker answers the same way.
 */
public enum ErrorCode {
    BAD_CREDENTIALS(0x86, 0x04, 0x80, "amqp:unauthorized-access", "username or password is not a Relay connect token"),
    BAD_SIGNATURE(0x86, 0x04, 0x99, "amqp:unauthorized-access", "signature does not verify"),
    EXPIRED_TOKEN(0x86, 0x04, 0x80, "amqp:unauthorized-access", "connect token timestamp outside the clock window"),
    REPLAY(0x86, 0x04, 0x80, "amqp:unauthorized-access", "connect token nonce was already used"),
    BAD_CLIENT_ID(0x85, 0x02, 0x80, "amqp:unauthorized-access", "client id is neither the key id nor key id + '.' + suffix"),
    MALFORMED(0x99, 0x05, 0x99, "amqp:invalid-field", "not a valid Relay envelope or request"),
    TOO_LARGE(0x95, 0x05, 0x99, "amqp:invalid-field", "envelope or body larger than the limit"),
    UNSUPPORTED_VERSION(0x99, 0x05, 0x99, "amqp:invalid-field", "envelope version not supported"),
    UNSUPPORTED_KIND(0x99, 0x05, 0x99, "amqp:invalid-field", "envelope kind not supported"),
    BAD_TTL(0x99, 0x05, 0x99, "amqp:invalid-field", "expires_in must be a positive whole number of seconds"),
    BAD_TIMESTAMP(0x99, 0x05, 0x99, "amqp:invalid-field", "envelope timestamp is too far in the future"),
    EXPIRED(0x83, 0x05, 0x83, "amqp:invalid-field", "message expired before it was accepted"),
    SENDER_MISMATCH(0x87, 0x05, 0x87, "amqp:unauthorized-access", "envelope sender is not the connected identity"),
    RECIPIENT_MISMATCH(0x99, 0x05, 0x99, "amqp:invalid-field", "envelope recipient does not match the inbox it was sent to"),
    ACL_DENIED(0x87, 0x05, 0x87, "amqp:unauthorized-access", "recipient's inbox policy does not accept this sender"),
    FORBIDDEN(0x87, 0x05, 0x87, "amqp:unauthorized-access", "this identity may not use that topic or address"),
    NOT_OWNER(0x87, 0x05, 0x87, "amqp:unauthorized-access", "only the owner may change this"),
    NOT_FOUND(0x83, 0x05, 0x83, "amqp:not-found", "no such item"),
    RATE_LIMITED(0x97, 0x05, 0x97, "amqp:resource-limit-exceeded", "too many sends; retry later"),
    QUEUE_FULL(0x97, 0x05, 0x97, "amqp:resource-limit-exceeded", "recipient's queue is full"),
    UNKNOWN_OP(0x83, 0x05, 0x83, "amqp:not-implemented", "unknown system operation"),
    DUPLICATE(0x00, 0x00, 0x00, "", "message id already accepted; not delivered again"),
    INTERNAL(0x80, 0x03, 0x80, "amqp:internal-error", "relay internal error");

    private final int mqtt5ConnackReason;
    private final int mqtt3ConnackReturnCode;
    private final int mqtt5PubackReason;
    private final String amqpCondition;
    private final String description;

    ErrorCode(int mqtt5ConnackReason, int mqtt3ConnackReturnCode, int mqtt5PubackReason, String amqpCondition,
              String description) {
        this.mqtt5ConnackReason = mqtt5ConnackReason;
        this.mqtt3ConnackReturnCode = mqtt3ConnackReturnCode;
        this.mqtt5PubackReason = mqtt5PubackReason;
        this.amqpCondition = amqpCondition;
        this.description = description;
    }

    /** The wire form, e.g. {@code acl_denied}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    /** MQTT 5 CONNACK reason code when this error refuses a connection. */
    public int mqtt5ConnackReason() {
        return mqtt5ConnackReason;
    }

    /** MQTT 3.1.1 CONNACK return code when this error refuses a connection. */
    public int mqtt3ConnackReturnCode() {
        return mqtt3ConnackReturnCode;
    }

    /** MQTT 5 PUBACK reason code when this error refuses a publish (only codes PUBACK allows). */
    public int mqtt5PubackReason() {
        return mqtt5PubackReason;
    }

    /** AMQP 1.0 error condition symbol for a rejected delivery or a refused link. */
    public String amqpCondition() {
        return amqpCondition;
    }

    /** The reason string every transport carries: {@code "<code>: <text>"}. */
    public String reasonString(String detail) {
        return code() + ": " + (detail == null || detail.isBlank() ? description : detail);
    }

    public static Optional<ErrorCode> fromCode(String code) {
        if (code == null) {
            return Optional.empty();
        }
        for (ErrorCode value : values()) {
            if (value.code().equals(code)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
