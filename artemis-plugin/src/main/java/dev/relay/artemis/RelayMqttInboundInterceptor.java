package dev.relay.artemis;

import dev.relay.core.ConnectFacts;
import dev.relay.core.PublishFacts;
import dev.relay.core.PublishOutcome;
import dev.relay.core.SubscribeOutcome;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import org.apache.activemq.artemis.api.core.ActiveMQBuffers;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incoming MQTT interceptor, installed by the plugin ({@link RelayBrokerPlugin#registered}): its broker hooks alone
 * cannot protect MQTT:
 * <ul>
 * <li>SUBSCRIBE: Artemis' MQTT layer finds an inbox's ANYCAST queue for any subscriber and, when the consumer is then
 * refused, deletes that queue with every message in it (without any plugin hook). So filters are decided here first
 * (SPEC §4.4); a SUBSCRIBE with a refused filter never reaches Artemis: it is answered with a SUBACK that refuses every
 * filter in it (0x87 with the reason string on MQTT 5, 0x80 on 3.1.1), and Artemis then closes the connection, as it
 * does for every packet an interceptor refuses.</li>
 * <li>PUBLISH: Artemis creates a missing address as MULTICAST before the send reaches the plugin, and a MULTICAST
 * message would miss the ANYCAST inbox queue; so the inbox of a valid key id is made to exist first. A PUBLISH to a
 * name the security manager refuses (a wildcard-like or reserved name in the namespace, a name outside it) or to an
 * inbox whose key id is no Ed25519 key (its address is never created, {@link NamespaceAddresses}) never reaches the
 * plugin either: its error envelope (SPEC §10.9) is sent from here, and Artemis refuses the PUBLISH itself.</li>
 * <li>CONNECT with a will whose topic lies in the relay namespace: refused with {@code forbidden} (SPEC §2.6),
 * CONNACK 0x87 with the reason string on MQTT 5, 0x05 on 3.1.1, before the token is checked; Artemis then closes the
 * connection. (Artemis would accept it and later drop the will, which no envelope check ever saw.)</li>
 * </ul>
 */
final class RelayMqttInboundInterceptor implements MQTTInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RelayMqttInboundInterceptor.class);

    private final RelayRuntime runtime;

    RelayMqttInboundInterceptor(RelayRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        if (packet instanceof MqttConnectMessage connect) {
            if (connection == null) {
                return true;
            }
            if (endsWithConnection(connect)) {
                runtime.connections.expectPassing(connection.getID());
            }
            if (declinesProblemInformation(connect)) {
                runtime.connections.expectNoProblemInformation(connection.getID());
            }
            return admitConnect(connect, connection);
        }
        KeyId identity = connection == null ? null : runtime.connections.identityOf(connection.getID());
        if (identity == null) {
            return true; // not yet authenticated (CONNECT) or not a relay connection: Artemis' own checks apply
        }
        if (packet instanceof MqttSubscribeMessage subscribe) {
            return admitSubscribe(identity, subscribe, connection);
        }
        if (packet instanceof MqttPublishMessage publish) {
            ensureInbox(publish.variableHeader().topicName());
            reportBrokerRefusal(identity, publish, connection);
        }
        return true;
    }

    /** MQTT 3.1.1 clean session, or MQTT 5 without a session expiry interval (0): the session ends with it. */
    static boolean endsWithConnection(MqttConnectMessage connect) {
        if (connect.variableHeader().version() != 5) {
            return connect.variableHeader().isCleanSession();
        }
        Object expiry = property(connect, MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL);
        return expiry == null || Integer.valueOf(0).equals(expiry);
    }

    /** MQTT 5 CONNECT with Request Problem Information 0 (the default, absent, is 1). */
    static boolean declinesProblemInformation(MqttConnectMessage connect) {
        return connect.variableHeader().version() == 5 && Integer.valueOf(0).equals(
                property(connect, MqttProperties.MqttPropertyType.REQUEST_PROBLEM_INFORMATION));
    }

    private static Object property(MqttConnectMessage connect, MqttProperties.MqttPropertyType type) {
        MqttProperties.MqttProperty<?> property = connect.variableHeader().properties().getProperty(type.value());
        return property == null ? null : property.value();
    }

    /**
     * The error envelope for a PUBLISH that Artemis' permission check will refuse before the plugin sees it. An MQTT 5
     * publish at QoS 1 or 2 learns the code from its PUBACK instead ({@link RelayMqttOutboundInterceptor}).
     */
    private void reportBrokerRefusal(KeyId identity, MqttPublishMessage publish, RemotingConnection connection) {
        String topic = publish.variableHeader().topicName();
        if (topic == null || topic.isEmpty()) {
            return; // an MQTT 5 topic alias without a name (the gateway uses them): Artemis resolves it, the plugin decides
        }
        String coreName = topic.replace('/', '.');
        if (RelaySecurityManager.decide(runtime, identity, CheckType.SEND, coreName)
                && (runtime.inboxes.addressExists(coreName) || runtime.namespace.refusal(coreName) == null)) {
            return; // an inbox of a key, the system address or a permitted outside name: the plugin decides at the send
        }
        byte[] payload = ByteBufUtil.getBytes(publish.payload());
        ConnectFacts.Transport transport = RelaySecurityManager.transportOf(connection.getProtocolName());
        PublishFacts facts = new PublishFacts(transport, publish.fixedHeader().qosLevel().value(),
                publish.fixedHeader().isRetain(), null, String.valueOf(connection.getID()));
        // Refused names are refused before any rate or envelope check, so asking the engine spends nothing.
        PublishOutcome outcome = runtime.engine.onPublish(identity, facts, Addressing.parseArtemisAddress(coreName),
                payload);
        if (outcome instanceof PublishOutcome.Reject && runtime.inboxes.addressExists(coreName)) {
            return; // to an existing address the send reaches the plugin, which refuses and reports it itself
        }
        PublishOutcome.Reject reject = outcome instanceof PublishOutcome.Reject refused ? refused
                : runtime.engine.refuse(identity, facts, payload,
                        new RelayException(ErrorCode.FORBIDDEN, "'" + topic + "' belongs to the broker"));
        runtime.metrics.publishRefused(reject.code());
        runtime.refusalLog.sendRefused(identity, transport, topic, reject.error());
        if (transport == ConnectFacts.Transport.MQTT5 && facts.answerCarriesCode()) {
            runtime.pending.foreseen(connection.getID(), publish.variableHeader().packetId(), reject.error());
        }
        reject.notice().ifPresent(notice -> runtime.inboxes.sendNotice(connection.getID(), identity, notice));
    }

    /**
     * The engine's will rule, applied before the token is checked: Artemis would publish the will on a connection the
     * relay already forgot.
     */
    private boolean admitConnect(MqttConnectMessage connect, RemotingConnection connection) {
        String willTopic = connect.variableHeader().isWillFlag() ? connect.payload().willTopic() : null;
        try {
            runtime.engine.admitWill(willTopic == null ? null : Addressing.parseMqttTopic(willTopic));
            return true;
        } catch (RelayException refusal) {
            boolean mqtt5 = connect.variableHeader().version() == 5;
            runtime.metrics.connectRefused(refusal.code());
            runtime.refusalLog.connectRefused(new ConnectFacts(mqtt5 ? ConnectFacts.Transport.MQTT5
                    : ConnectFacts.Transport.MQTT3, connect.payload().clientIdentifier(), connection.getRemoteAddress()),
                    connect.payload().userName(), refusal);
            byte[] connack = MqttPackets.connack(mqtt5, refusal.reasonString());
            connection.getTransportConnection().write(ActiveMQBuffers.wrappedBuffer(connack), true);
            return false;
        }
    }

    private boolean admitSubscribe(KeyId identity, MqttSubscribeMessage subscribe, RemotingConnection connection) {
        String refusal = null;
        for (MqttTopicSubscription subscription : subscribe.payload().topicSubscriptions()) {
            SubscribeOutcome outcome = runtime.engine.onSubscribe(identity,
                    Addressing.parseMqttFilter(subscription.topicName()));
            if (outcome instanceof SubscribeOutcome.Reject reject) {
                refusal = reject.error().reasonString();
                break;
            }
        }
        if (refusal == null) {
            return true;
        }
        runtime.metrics.authorizationsRefused.increment();
        boolean mqtt5 = "MQTT5".equals(connection.getProtocolName());
        int filters = subscribe.payload().topicSubscriptions().size();
        byte[] suback = MqttPackets.suback(subscribe.variableHeader().messageId(), filters, mqtt5,
                runtime.connections.wantsReasonStrings(connection.getID()) ? refusal : null);
        connection.getTransportConnection().write(ActiveMQBuffers.wrappedBuffer(suback), true);
        LOG.debug("Relay refused an MQTT SUBSCRIBE of {}: {}", identity, refusal);
        return false;
    }

    private void ensureInbox(String topic) {
        if (topic == null || !topic.startsWith(Addressing.MQTT_INBOX_PREFIX)) {
            return;
        }
        if (Addressing.parseMqttTopic(topic) instanceof Address.Inbox inbox) {
            try {
                runtime.keyIds.parse(inbox.keyId()); // only names of real keys become inboxes
                runtime.inboxes.ensureInbox(inbox.keyId());
            } catch (Exception e) {
                LOG.debug("No inbox for MQTT topic {}: {}", topic, e.getMessage());
            }
        }
    }
}
