package dev.relay.artemis;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.RelayException;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.ActiveMQSecurityException;

/**
 * Turns a relay refusal into the {@link ActiveMQException} that makes each protocol say the right thing (SPEC §10):
 * a security exception keeps MQTT clients connected (MQTT 5 PUBACK 0x87) and becomes AMQP
 * {@code amqp:unauthorized-access}; anything else AMQP {@code failed}. Never an address-full exception, although
 * {@code rate_limited} would fit {@code amqp:resource-limit-exceeded}: Artemis then drains the AMQP sender's credit
 * until the address has room, which for a relay refusal is never, and the client hangs. The message is always the
 * SPEC reason string. The exceptions carry no stack trace: Artemis logs refused AMQP sends with their stack, and a
 * spam attack must not fill the broker log with frames.
 */
final class Refusals {
    private static final StackTraceElement[] NO_FRAMES = new StackTraceElement[0];

    private Refusals() {
    }

    /** On MQTT always a security exception: any other exception type closes an MQTT connection. */
    static ActiveMQException forSend(RelayException refusal, boolean mqtt) {
        boolean security = mqtt || switch (refusal.code()) {
            case BAD_SIGNATURE, SENDER_MISMATCH, ACL_DENIED, FORBIDDEN, NOT_OWNER -> true;
            default -> false;
        };
        String reason = refusal.reasonString();
        return frameless(security ? new ActiveMQSecurityException(reason)
                : new ActiveMQException(ActiveMQExceptionType.GENERIC_EXCEPTION, reason));
    }

    /**
     * An address the namespace may not hold, refused before Artemis creates it: always a security exception, the kind
     * of refusal Artemis' callers expect at that point (MQTT clients stay connected, AMQP says
     * {@code amqp:unauthorized-access}), whatever the code.
     */
    static ActiveMQException forAddress(RelayException refusal) {
        return frameless(new ActiveMQSecurityException(refusal.reasonString()));
    }

    static ActiveMQException forbidden(String text) {
        return frameless(new ActiveMQSecurityException(new RelayException(ErrorCode.FORBIDDEN, text).reasonString()));
    }

    private static <T extends ActiveMQException> T frameless(T exception) {
        exception.setStackTrace(NO_FRAMES);
        return exception;
    }
}
