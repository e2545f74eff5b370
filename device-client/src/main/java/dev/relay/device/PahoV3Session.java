package dev.relay.device;

import dev.relay.client.ClientTransport;
import dev.relay.client.ClientTransport.PublishAnswer;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorMapping;
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

/**
 * One MQTT 3.1.1 connection of a device on Eclipse Paho: clean session 0, manual acks, memory persistence. 3.1.1
 * acknowledges refused publishes like accepted ones; the refusal comes as an {@code error} envelope (SPEC §10.3).
 */
final class PahoV3Session implements ClientTransport.Connection {
    private static final Logger LOG = LoggerFactory.getLogger(PahoV3Session.class);

    private final MqttTransport settings;
    private final MqttAsyncClient client;
    private volatile boolean closing;

    PahoV3Session(MqttTransport settings, ClientTransport.Listener listener) throws RelayClientException {
        this.settings = settings;
        String serverUri = settings.serverUri();
        try {
            client = new MqttAsyncClient(serverUri, settings.clientId(), new MemoryPersistence());
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
                listener.delivered(message.getPayload(), () -> ack(id, qos));
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
    public boolean connect(ClientTransport.Tokens tokens, Duration timeout) throws RelayClientException {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setUserName(settings.username());
        options.setPassword(tokens.sign(settings.realm(), null).password().toCharArray());
        // 3.1.1 sessions do not expire by protocol (the broker's setting applies); 0 asks for a clean session.
        options.setCleanSession(settings.sessionExpirySeconds() == 0);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(settings.keepAliveSeconds());
        options.setConnectionTimeout((int) Math.max(1, timeout.toSeconds()));
        if (settings.socketFactory() != null) {
            options.setSocketFactory(settings.socketFactory());
        }
        try {
            IMqttToken token = client.connect(options);
            token.waitForCompletion(timeout.toMillis() + 1000);
            return token.getSessionPresent();
        } catch (MqttException e) {
            closeQuietly();
            throw PahoErrors.connectRefused(e.getReasonCode(), e);
        }
    }

    @Override
    public void subscribeInbox(Duration timeout) throws RelayClientException {
        String filter = settings.inbox();
        try {
            IMqttToken token = client.subscribe(filter, 1);
            token.waitForCompletion(timeout.toMillis());
            int[] granted = token.getGrantedQos();
            if (granted == null || granted.length == 0 || granted[0] >= 0x80) {
                throw RelayClientException.of(ErrorMapping.fromSuback(0x80, null));
            }
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttException.REASON_CODE_SUBSCRIBE_FAILED) {
                throw RelayClientException.of(ErrorMapping.fromSuback(0x80, null));
            }
            throw PahoErrors.lost("subscribe to " + filter, e);
        }
    }

    @Override
    public CompletableFuture<PublishAnswer> publish(Envelope envelope) {
        CompletableFuture<PublishAnswer> answer = new CompletableFuture<>();
        MqttMessage message = new MqttMessage(envelope.toJson());
        message.setQos(1);
        try {
            client.publish(MqttTransport.topicOf(envelope), message, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    answer.complete(PublishAnswer.acknowledged()); // a refusal arrives as an error envelope
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    answer.completeExceptionally(PahoErrors.lost("publish", failure));
                }
            });
        } catch (MqttException | RuntimeException e) {
            answer.completeExceptionally(PahoErrors.lost("publish", e));
        }
        return answer;
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
