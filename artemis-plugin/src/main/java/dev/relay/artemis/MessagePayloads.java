package dev.relay.artemis;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.RelayException;
import java.nio.charset.StandardCharsets;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ICoreMessage;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;

/**
 * The envelope bytes of a broker message, whatever protocol it came from (SPEC §11): MQTT and STOMP-with-length
 * messages carry them as a bytes body, AMQP as a data section (or an amqp-value), STOMP without a content-length as a
 * text body. AMQP messages are read through Artemis' own AMQP-to-core conversion.
 */
final class MessagePayloads {
    /** Above this encoded size a message cannot hold a valid envelope (SPEC §3.6), whatever its framing. */
    private static final int MAX_ENCODED = 2 * Envelope.MAX_ENVELOPE_BYTES;

    private MessagePayloads() {
    }

    static byte[] payload(Message message) throws RelayException {
        if (message.isLargeMessage() || message.getEncodeSize() > MAX_ENCODED) {
            throw new RelayException(ErrorCode.TOO_LARGE, "message larger than " + Envelope.MAX_ENVELOPE_BYTES
                    + " bytes (an acceptor's large-message threshold below that also refuses it)");
        }
        ICoreMessage core = message.toCore();
        ActiveMQBuffer body = core.getReadOnlyBodyBuffer();
        if (core.getType() == Message.TEXT_TYPE) {
            SimpleString text = body.readNullableSimpleString();
            return text == null ? new byte[0] : text.toString().getBytes(StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[body.readableBytes()];
        body.readBytes(bytes);
        return bytes;
    }
}
