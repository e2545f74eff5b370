package dev.relay.artemis.it;

import dev.relay.tck.RelayBinding;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * MQTT clients (Eclipse Paho) as SPEC §2.7 asks devices to connect: client id = key id, persistent session (MQTT 5:
 * clean start 0 and a 7-day session expiry; 3.1.1: clean session 0), QoS 1 both ways, no automatic reconnect.
 */
final class MqttClients {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private MqttClients() {
    }

    /** MQTT 5 (Paho mqttv5). A refused connect throws with the CONNACK reason code. */
    static final class V5 implements ArtemisClient {
        private final org.eclipse.paho.mqttv5.client.MqttAsyncClient client;
        private final String keyId;
        private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        private volatile int lastReasonCode;

        V5(BrokerEndpoints broker, String clientId, String username, String password, boolean cleanStart)
                throws org.eclipse.paho.mqttv5.common.MqttException {
            this(broker, clientId, username, password, cleanStart, Duration.ofDays(7).toSeconds());
        }

        /** {@code sessionExpirySeconds} 0 with clean start: a session that ends with the connection. */
        V5(BrokerEndpoints broker, String clientId, String username, String password, boolean cleanStart,
           long sessionExpirySeconds) throws org.eclipse.paho.mqttv5.common.MqttException {
            this.keyId = username;
            client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(broker.mqttUri(), clientId,
                    new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse response) {
                }

                @Override
                public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
                    received.add(message.getPayload().clone());
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setUserName(username);
            if (password != null) {
                options.setPassword(password.getBytes(StandardCharsets.UTF_8));
            }
            options.setCleanStart(cleanStart);
            options.setSessionExpiryInterval(sessionExpirySeconds);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout((int) TIMEOUT.toSeconds());
            try {
                client.connect(options).waitForCompletion(TIMEOUT.toMillis());
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                client.close(true);
                throw e;
            }
        }

        @Override
        public String keyId() {
            return keyId;
        }

        @Override
        public boolean tryConsume(String address) throws Exception {
            try {
                var token = client.subscribe(
                        new MqttSubscription[] {new MqttSubscription(ArtemisClient.mqttTopic(address), 1)});
                token.waitForCompletion(TIMEOUT.toMillis());
                int[] codes = token.getReasonCodes();
                return codes != null && codes.length > 0 && codes[0] < 0x80;
            } catch (org.eclipse.paho.mqttv5.common.MqttException closedByBroker) {
                return false; // a refused SUBSCRIBE closes the connection on Artemis (SPEC §10.9)
            }
        }

        @Override
        public RelayBinding.Sent sendTo(String address, byte[] payload) throws Exception {
            return publish(ArtemisClient.mqttTopic(address), payload, 1, false);
        }

        RelayBinding.Sent publish(String topic, byte[] payload, int qos, boolean retained) throws Exception {
            org.eclipse.paho.mqttv5.common.MqttMessage message = new org.eclipse.paho.mqttv5.common.MqttMessage(payload);
            message.setQos(qos);
            message.setRetained(retained);
            var token = client.publish(topic, message);
            token.waitForCompletion(TIMEOUT.toMillis());
            int[] codes = token.getReasonCodes();
            lastReasonCode = codes == null || codes.length == 0 ? 0 : codes[0];
            if (lastReasonCode >= 0x80) {
                MqttProperties properties = token.getResponseProperties();
                return new RelayBinding.Sent(true, properties == null ? null : properties.getReasonString());
            }
            return RelayBinding.Sent.accepted();
        }

        /** The reason code of the last PUBACK (0 = success). */
        int lastReasonCode() {
            return lastReasonCode;
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public boolean isConnected() {
            return client.isConnected();
        }

        @Override
        public void close() throws Exception {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(TIMEOUT.toMillis());
                }
            } catch (org.eclipse.paho.mqttv5.common.MqttException alreadyGoing) {
                // the broker closed the connection first (e.g. after a refused SUBSCRIBE)
            } finally {
                client.close(true);
            }
        }
    }

    /** MQTT 3.1.1 (Paho mqttv3). A refused connect throws with the CONNACK return code. */
    static final class V3 implements ArtemisClient {
        private final MqttAsyncClient client;
        private final String keyId;
        private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

        V3(BrokerEndpoints broker, String clientId, String username, String password, boolean cleanSession)
                throws MqttException {
            this.keyId = username;
            client = new MqttAsyncClient(broker.mqttUri(), clientId, new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(message.getPayload().clone());
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setUserName(username);
            if (password != null) {
                options.setPassword(password.toCharArray());
            }
            options.setCleanSession(cleanSession);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout((int) TIMEOUT.toSeconds());
            try {
                client.connect(options).waitForCompletion(TIMEOUT.toMillis());
            } catch (MqttException e) {
                client.close(true);
                throw e;
            }
        }

        @Override
        public String keyId() {
            return keyId;
        }

        @Override
        public boolean tryConsume(String address) throws Exception {
            try {
                IMqttToken token = client.subscribe(ArtemisClient.mqttTopic(address), 1);
                token.waitForCompletion(TIMEOUT.toMillis());
                int[] granted = token.getGrantedQos();
                return granted != null && granted.length > 0 && granted[0] < 0x80;
            } catch (MqttException closedByBroker) {
                return false; // a refused SUBSCRIBE closes the connection on Artemis (SPEC §10.9)
            }
        }

        /** MQTT 3.1.1 has no negative acknowledgement: a refusal shows only as an error envelope (SPEC §10.3). */
        @Override
        public RelayBinding.Sent sendTo(String address, byte[] payload) throws Exception {
            client.publish(ArtemisClient.mqttTopic(address), payload, 1, false).waitForCompletion(TIMEOUT.toMillis());
            return RelayBinding.Sent.accepted();
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public boolean isConnected() {
            return client.isConnected();
        }

        @Override
        public void close() throws Exception {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(TIMEOUT.toMillis());
                }
            } catch (MqttException alreadyGoing) {
                // the broker closed the connection first (e.g. after a refused SUBSCRIBE)
            } finally {
                client.close(true);
            }
        }
    }
}
