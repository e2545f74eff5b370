package dev.relay.artemis;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.RelayException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * Outgoing MQTT interceptor, installed by the plugin. Artemis answers every refused MQTT 5 publish
 * with a bare {@code 0x87}; this puts the relay's answer in its place (SPEC §10.4): the reason code of the relay's
 * code and the reason string {@code "<code>: <text>"}, so that the sending session learns why, whatever other
 * sessions of its identity read from the inbox. A {@code 0x87} the relay did not decide itself comes from Artemis'
 * permission check on the topic name, which refuses only what the relay forbids.
 */
final class RelayMqttOutboundInterceptor implements MQTTInterceptor {
    private final RelayRuntime runtime;

    RelayMqttOutboundInterceptor(RelayRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        MqttMessageType type = packet.fixedHeader().messageType();
        if (type != MqttMessageType.PUBACK && type != MqttMessageType.PUBREC
                || !(packet.variableHeader() instanceof MqttPubReplyMessageVariableHeader reply)) {
            return true; // MQTT 3.1.1 acknowledgements have no reason code
        }
        if (connection == null || runtime.connections.identityOf(connection.getID()) == null) {
            return true;
        }
        boolean refused = (reply.reasonCode() & 0xFF) == MqttPackets.MQTT5_NOT_AUTHORIZED;
        RelayException refusal = runtime.pending.takePuback(connection.getID(), reply.messageId(), refused);
        if (!refused) {
            return true; // successes pass unchanged
        }
        if (refusal == null) {
            refusal = new RelayException(ErrorCode.FORBIDDEN, "this identity may not publish to that topic: only"
                    + " relay/v1/inbox/<key id> and relay/v1/sys are open to it (SPEC §4.2)");
        }
        runtime.writeInOrder(connection, MqttPackets.publishRefusal(type == MqttMessageType.PUBREC,
                reply.messageId(), refusal.code().mqtt5PubackReason(),
                runtime.connections.wantsReasonStrings(connection.getID()) ? refusal.reasonString() : null));
        return false;
    }
}
