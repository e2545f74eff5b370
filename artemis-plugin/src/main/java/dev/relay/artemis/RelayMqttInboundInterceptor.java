package dev.relay.artemis;

import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incoming MQTT interceptor ({@code <remoting-incoming-interceptors>}). Artemis' MQTT layer creates a missing address
 * as MULTICAST before the send reaches the plugin, and a MULTICAST message would miss the ANYCAST inbox queue; so for
 * a PUBLISH to the inbox of a valid key id this makes sure the inbox exists first. It never refuses: every decision is
 * the plugin's.
 */
public final class RelayMqttInboundInterceptor implements MQTTInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RelayMqttInboundInterceptor.class);

    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        if (!(packet instanceof MqttPublishMessage publish)) {
            return true;
        }
        RelayRuntime runtime = RelayRuntime.current();
        if (runtime == null || connection == null || runtime.connections.identityOf(connection.getID()) == null) {
            return true;
        }
        String topic = publish.variableHeader().topicName();
        if (topic == null || !topic.startsWith(Addressing.MQTT_INBOX_PREFIX)) {
            return true;
        }
        if (Addressing.parseMqttTopic(topic) instanceof Address.Inbox inbox) {
            try {
                runtime.keyIds.parse(inbox.keyId()); // only names of real keys get an address
                runtime.inboxes.ensureInbox(inbox.keyId());
            } catch (Exception e) {
                LOG.debug("No inbox address for MQTT topic {}: {}", topic, e.getMessage());
            }
        }
        return true;
    }
}
