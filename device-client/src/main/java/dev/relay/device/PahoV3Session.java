package dev.relay.device;

import dev.relay.client.RelayClientException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link MqttSession} on Eclipse Paho's MQTT 3.1.1 client: clean session 0, manual acks, memory persistence. */
final class PahoV3Session implements MqttSession {
    private static final Logger LOG = LoggerFactory.getLogger(PahoV3Session.class);

    private final MqttAsyncClient client;
    private volatile boolean closing;

    PahoV3Session(String serverUri, String clientId, Listener listener) throws RelayClientException {
        try {
            client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new RelayClientException(RelayClientException.CONNECT_FAILED, "bad broker URI " + serverUri + ": "
                    + e.getMessage(), e);
        }
        client.setManualAcks(true);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                if (!closing) {
                    listener.lost(PahoErrors.disconnected(0, null, cause));
                }
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                int id = message.getId();
                int qos = message.getQos();
                listener.arrived(message.getPayload(), () -> ack(id, qos));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
    }

    private void ack(int messageId, int qos) {
        try {
            client.messageArrivedComplete(messageId, qos);
        } catch (MqttException | RuntimeException e) {
            LOG.debug("Could not acknowledge message {} (connection gone; the broker delivers it again): {}",
                    messageId, e.toString());
        }
    }

    @Override
    public boolean connect(ConnectRequest request) throws RelayClientException {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setUserName(request.username());
        options.setPassword(request.password().toCharArray());
        // 3.1.1 sessions do not expire by protocol (the broker's setting applies); 0 asks for a clean session.
        options.setCleanSession(request.sessionExpirySeconds() == 0);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(request.keepAliveSeconds());
        options.setConnectionTimeout((int) Math.max(1, request.timeout().toSeconds()));
        if (request.socketFactory() != null) {
            options.setSocketFactory(request.socketFactory());
        }
        try {
            IMqttToken token = client.connect(options);
            token.waitForCompletion(request.timeout().toMillis() + 1000);
            return token.getSessionPresent();
        } catch (MqttException e) {
            closeQuietly();
            throw PahoErrors.connectRefused(e.getReasonCode(), e);
        }
    }

    @Override
    public void subscribe(String filter, Duration timeout) throws RelayClientException {
        try {
            IMqttToken token = client.subscribe(filter, 1);
            token.waitForCompletion(timeout.toMillis());
            int[] granted = token.getGrantedQos();
            if (granted == null || granted.length == 0 || granted[0] >= 0x80) {
                throw new RelayClientException("forbidden", "subscription to " + filter + " refused (SUBACK 0x80)");
            }
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttException.REASON_CODE_SUBSCRIBE_FAILED) {
                throw new RelayClientException("forbidden", "subscription to " + filter + " refused (SUBACK 0x80)");
            }
            throw PahoErrors.lost("subscribe to " + filter, e);
        }
    }

    @Override
    public CompletableFuture<PublishAck> publish(String topic, byte[] payload) {
        CompletableFuture<PublishAck> ack = new CompletableFuture<>();
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        try {
            client.publish(topic, message, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    ack.complete(new PublishAck(0, null)); // 3.1.1: refusals arrive as error envelopes
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    ack.completeExceptionally(PahoErrors.lost("publish", failure));
                }
            });
        } catch (MqttException | RuntimeException e) {
            ack.completeExceptionally(PahoErrors.lost("publish", e));
        }
        return ack;
    }

    @Override
    public void close() {
        closing = true;
        PahoShutdown.close(client::isConnected, () -> client.disconnect(2000).waitForCompletion(3000),
                () -> client.disconnectForcibly(0, 1000, false), () -> client.close(true));
    }

    private void closeQuietly() {
        closing = true;
        PahoShutdown.close(client::isConnected, null, () -> client.disconnectForcibly(0, 1000, false),
                () -> client.close(true));
    }
}
