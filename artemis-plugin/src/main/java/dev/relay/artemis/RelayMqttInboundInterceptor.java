package dev.relay.artemis;

import dev.relay.core.ConnectFacts;
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
 * Incoming MQTT interceptor ({@code <remoting-incoming-interceptors>}); it must be installed, the plugin alone cannot
 * protect MQTT:
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
public final class RelayMqttInboundInterceptor implements MQTTInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RelayMqttInboundInterceptor.class);

    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        RelayRuntime runtime = RelayRuntime.current();
        if (packet instanceof MqttConnectMessage connect) {
            if (runtime == null || connection == null) {
                return true;
            }
            if (endsWithConnection(connect)) {
                runtime.connections.expectPassing(connection.getID());
            }
            return admitConnect(runtime, connect, connection);
        }
        KeyId identity = runtime == null || connection == null ? null : runtime.connections.identityOf(connection.getID());
        if (identity == null) {
            return true; // not yet authenticated (CONNECT) or not a relay connection: Artemis' own checks apply
        }
        if (packet instanceof MqttSubscribeMessage subscribe) {
            return admitSubscribe(runtime, identity, subscribe, connection);
        }
        if (packet instanceof MqttPublishMessage publish) {
            ensureInbox(runtime, publish.variableHeader().topicName());
            reportBrokerRefusal(runtime, identity, publish, connection);
        }
        return true;
    }

    /** MQTT 3.1.1 clean session, or MQTT 5 without a session expiry interval (0): the session ends with it. */
    static boolean endsWithConnection(MqttConnectMessage connect) {
        if (connect.variableHeader().version() != 5) {
            return connect.variableHeader().isCleanSession();
        }
        MqttProperties.MqttProperty<?> expiry = connect.variableHeader().properties()
                .getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
        return expiry == null || Integer.valueOf(0).equals(expiry.value());
    }

    /**
     * The error envelope for a PUBLISH that Artemis' permission check will refuse before the plugin sees it. An MQTT 5
     * publish at QoS 1 or 2 learns the code from its PUBACK instead ({@link RelayMqttOutboundInterceptor}).
     */
    private static void reportBrokerRefusal(RelayRuntime runtime, KeyId identity, MqttPublishMessage publish,
                                            RemotingConnection connection) {
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
        // Refused names are refused before any rate or envelope check, so asking the engine spends nothing.
        PublishOutcome outcome = runtime.engine.onPublish(identity, Addressing.parseArtemisAddress(coreName), payload);
        if (outcome instanceof PublishOutcome.Reject && runtime.inboxes.addressExists(coreName)) {
            return; // to an existing address the send reaches the plugin, which refuses and reports it itself
        }
        RelayException error = outcome instanceof PublishOutcome.Reject reject ? reject.error()
                : new RelayException(ErrorCode.FORBIDDEN, "'" + topic + "' belongs to the broker");
        boolean mqtt5 = "MQTT5".equals(connection.getProtocolName());
        runtime.metrics.publishRefused(error.code());
        runtime.refusalLog.sendRefused(identity, mqtt5 ? "mqtt5" : "mqtt3", topic, error);
        if (mqtt5 && publish.fixedHeader().qosLevel().value() > 0) {
            runtime.pubackReasons.foreseen(connection.getID(), publish.variableHeader().packetId(), error);
            return;
        }
        try {
            runtime.inboxes.deliverToConnection(connection.getID(), identity,
                    runtime.engine.errorEnvelope(identity, payload, error));
        } catch (Exception e) {
            LOG.error("Relay could not put an error envelope into the inbox of {}", identity, e);
        }
    }

    /**
     * A will is published by the broker on the client's behalf after it left, so it never passes the envelope checks
     * (and Artemis sends it on a connection the relay already forgot): a will into the namespace is refused up front.
     */
    private static boolean admitConnect(RelayRuntime runtime, MqttConnectMessage connect, RemotingConnection connection) {
        if (!connect.variableHeader().isWillFlag() || !reachesNamespace(connect.payload().willTopic())) {
            return true;
        }
        boolean mqtt5 = connect.variableHeader().version() == 5;
        RelayException refusal = new RelayException(ErrorCode.FORBIDDEN,
                "a will message may not go into the relay namespace");
        runtime.metrics.connectRefused(refusal.code());
        runtime.refusalLog.connectRefused(new ConnectFacts(mqtt5 ? ConnectFacts.Transport.MQTT5
                : ConnectFacts.Transport.MQTT3, connect.payload().clientIdentifier(), connection.getRemoteAddress()),
                connect.payload().userName(), refusal);
        byte[] connack = MqttPackets.connack(mqtt5, refusal.reasonString());
        connection.getTransportConnection().write(ActiveMQBuffers.wrappedBuffer(connack), true);
        return false;
    }

    /**
     * True if an MQTT topic names something in the relay namespace. Its core name does not need a second look:
     * Artemis escapes the characters that are special in core names ({@code .}, {@code *}) when it converts a topic.
     */
    static boolean reachesNamespace(String topic) {
        return topic != null && !(Addressing.parseMqttTopic(topic) instanceof Address.Outside);
    }

    private static boolean admitSubscribe(RelayRuntime runtime, KeyId identity, MqttSubscribeMessage subscribe,
                                          RemotingConnection connection) {
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
        runtime.metrics.authorizationRefused();
        boolean mqtt5 = "MQTT5".equals(connection.getProtocolName());
        int filters = subscribe.payload().topicSubscriptions().size();
        byte[] suback = MqttPackets.suback(subscribe.variableHeader().messageId(), filters, mqtt5, refusal);
        connection.getTransportConnection().write(ActiveMQBuffers.wrappedBuffer(suback), true);
        LOG.debug("Relay refused an MQTT SUBSCRIBE of {}: {}", identity, refusal);
        return false;
    }

    private static void ensureInbox(RelayRuntime runtime, String topic) {
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
