package dev.relay.artemis.it;

import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.tck.RelayBinding;
import java.time.Instant;

/** The conformance kit's view of {@link RelayArtemis} over one protocol. */
final class ArtemisBinding implements RelayBinding {

    enum Protocol { AMQP, MQTT5, MQTT311, STOMP }

    private final BrokerEndpoints broker;
    private final Protocol protocol;

    ArtemisBinding(BrokerEndpoints broker, Protocol protocol) {
        this.broker = broker;
        this.protocol = protocol;
    }

    static String token(BrokerEndpoints broker, RelayKeyPair key) {
        try {
            return ConnectToken.create(key, broker.realm(), Instant.now().getEpochSecond()).password();
        } catch (RelayException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public String realm() {
        return broker.realm();
    }

    @Override
    public ArtemisClient connect(RelayKeyPair identity) throws Exception {
        return connect(identity, identity.keyId().toString(), token(broker, identity));
    }

    @Override
    public ArtemisClient connect(RelayKeyPair identity, String username, String password) throws Exception {
        return connect(identity.keyId().toString(), username, password);
    }

    /** MQTT: client id {@code <key id>.<suffix>}; AMQP and STOMP: one more connection. */
    @Override
    public ArtemisClient connectAnotherSession(RelayKeyPair identity, String suffix) throws Exception {
        return connect(identity.keyId() + "." + suffix, identity.keyId().toString(), token(broker, identity));
    }

    @Override
    public boolean hasTransientSessions() {
        return protocol == Protocol.MQTT5 || protocol == Protocol.MQTT311;
    }

    /** MQTT 5: clean start, session expiry 0; MQTT 3.1.1: clean session. */
    @Override
    public ArtemisClient connectTransient(RelayKeyPair identity, String suffix) throws Exception {
        String keyId = identity.keyId().toString();
        switch (protocol) {
            case MQTT5:
                return new MqttClients.V5(broker, keyId + "." + suffix, keyId, token(broker, identity), true, 0);
            case MQTT311:
                return new MqttClients.V3(broker, keyId + "." + suffix, keyId, token(broker, identity), true);
            default:
                throw new UnsupportedOperationException(protocol + " has no transient sessions");
        }
    }

    private ArtemisClient connect(String clientId, String username, String password) throws Exception {
        try {
            switch (protocol) {
                case AMQP:
                    return AmqpClient.connect(broker, username, password);
                case MQTT5:
                    return new MqttClients.V5(broker, clientId, username, password, false);
                case MQTT311:
                    return new MqttClients.V3(broker, clientId, username, password, false);
                default:
                    return StompClient.connect(broker, username, password);
            }
        } catch (ConnectRefusedException e) {
            throw e;
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new ConnectRefusedException("CONNACK 0x" + Integer.toHexString(e.getReasonCode()));
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            throw new ConnectRefusedException("CONNACK " + e.getReasonCode());
        } catch (org.apache.qpid.protonj2.client.exceptions.ClientException e) {
            throw new ConnectRefusedException("AMQP: " + e.getMessage());
        }
    }
}
