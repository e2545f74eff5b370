package dev.relay.hivemq.it;

import dev.relay.protocol.Addressing;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.tck.RelayBinding;
import java.time.Duration;
import java.util.List;

/** The conformance kit's view of a HiveMQ broker with Relay, through Paho MQTT 5 or MQTT 3.1.1 clients. */
final class MqttBinding implements RelayBinding {
    private final RelayHiveMQ broker;
    private final boolean mqtt5;

    MqttBinding(RelayHiveMQ broker, boolean mqtt5) {
        this.broker = broker;
        this.mqtt5 = mqtt5;
    }

    @Override
    public String realm() {
        return broker.realm();
    }

    @Override
    public Client connect(RelayKeyPair identity) throws Exception {
        return connect(identity, Clients.keyId(identity), Clients.token(identity, broker.realm()));
    }

    @Override
    public Client connect(RelayKeyPair identity, String username, String password) throws Exception {
        return connect(Clients.keyId(identity), username, password);
    }

    @Override
    public Client connectAnotherSession(RelayKeyPair identity, String suffix) throws Exception {
        return connect(Clients.keyId(identity) + "." + suffix, Clients.keyId(identity),
                Clients.token(identity, broker.realm()));
    }

    @Override
    public boolean hasTransientSessions() {
        return true;
    }

    /** MQTT 5: clean start, session expiry 0; MQTT 3.1.1: clean session. */
    @Override
    public Client connectTransient(RelayKeyPair identity, String suffix) throws Exception {
        String clientId = Clients.keyId(identity) + "." + suffix;
        String token = Clients.token(identity, broker.realm());
        if (mqtt5) {
            Clients.PahoV5 client = new Clients.PahoV5(broker.serverUri(), clientId);
            client.connect(Clients.keyId(identity), token, true, 0);
            return new MqttClient(client);
        }
        return new MqttClient(Clients.pahoV3(broker.serverUri(), clientId, Clients.keyId(identity), token, true));
    }

    private Client connect(String clientId, String username, String password) throws Exception {
        try {
            return new MqttClient(mqtt5
                    ? Clients.pahoV5(broker.serverUri(), clientId, username, password, false)
                    : Clients.pahoV3(broker.serverUri(), clientId, username, password, false));
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            // Paho does not hand the CONNACK's reason string to the caller: no reason string for the kit to check.
            throw new ConnectRefusedException("CONNACK 0x" + Integer.toHexString(e.getReasonCode()) + ": " + e.getMessage());
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            throw new ConnectRefusedException("CONNACK " + e.getReasonCode() + ": " + e.getMessage());
        }
    }

    private final class MqttClient implements Client {
        private final Clients.RelayClient client;

        MqttClient(Clients.RelayClient client) {
            this.client = client;
        }

        @Override
        public void subscribeOwnInbox() {
            List<Integer> codes = client.subscribeInbox();
            if (codes.isEmpty() || codes.get(0) >= 0x80) {
                throw new IllegalStateException("own inbox subscription refused: " + codes);
            }
        }

        @Override
        public boolean trySubscribeInboxOf(String keyId) {
            List<Integer> codes = client.subscribe(Addressing.mqttInbox(keyId));
            return !codes.isEmpty() && codes.get(0) < 0x80;
        }

        @Override
        public Sent publishToInbox(String keyId, byte[] payload) {
            return sent(client.publish(Addressing.mqttInbox(keyId), payload));
        }

        @Override
        public Sent publishRequest(byte[] payload) {
            return sent(client.publish(Addressing.MQTT_SYSTEM_TOPIC, payload));
        }

        private Sent sent(Clients.PublishResult result) {
            if (!result.acknowledged()) {
                throw new IllegalStateException("no PUBACK: " + result);
            }
            return result.accepted() ? Sent.accepted() : new Sent(true, result.reasonString());
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            return client.awaitPayload(timeout);
        }

        @Override
        public boolean isConnected() {
            return client.isConnected();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
