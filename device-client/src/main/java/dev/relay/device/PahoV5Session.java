package dev.relay.device;

import dev.relay.client.RelayClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link MqttSession} on Eclipse Paho's MQTT 5 client: manual acks, memory persistence, no automatic reconnect. */
final class PahoV5Session implements MqttSession {
    private static final Logger LOG = LoggerFactory.getLogger(PahoV5Session.class);

    private final MqttAsyncClient client;
    private final Listener listener;
    private volatile boolean closing;

    PahoV5Session(String serverUri, String clientId, Listener listener) throws RelayClientException {
        this.listener = listener;
        try {
            // Memory persistence: the two-argument constructor would write files into the working directory.
            client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new RelayClientException(RelayClientException.CONNECT_FAILED, "bad broker URI " + serverUri + ": "
                    + e.getMessage(), e);
        }
        client.setManualAcks(true);
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                if (!closing) {
                    listener.lost(PahoErrors.disconnected(response.getReturnCode(), response.getReasonString(),
                            response.getException()));
                }
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                LOG.debug("MQTT error on {}: {}", clientId, exception.toString());
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                int id = message.getId();
                int qos = message.getQos();
                listener.arrived(message.getPayload(), () -> ack(id, qos));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
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
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(request.username());
        options.setPassword(request.password().getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(request.sessionExpirySeconds() == 0);
        options.setSessionExpiryInterval(request.sessionExpirySeconds());
        options.setAutomaticReconnect(false); // the device reconnects itself, with a fresh token each time
        options.setKeepAliveInterval(request.keepAliveSeconds());
        options.setConnectionTimeout((int) Math.max(1, request.timeout().toSeconds()));
        options.setRequestProblemInfo(true); // reason strings on PUBACK and SUBACK (SPEC §10.4)
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
            IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
            token.waitForCompletion(timeout.toMillis());
            int[] codes = token.getReasonCodes();
            if (codes == null || codes.length == 0 || codes[0] >= 0x80) {
                MqttProperties properties = token.getResponseProperties();
                throw RelayClientException.ofReason(properties == null ? null : properties.getReasonString(),
                        "forbidden", "subscription to " + filter + " refused");
            }
        } catch (MqttException e) {
            throw PahoErrors.lost("subscribe to " + filter, e);
        }
    }

    @Override
    public CompletableFuture<PublishAck> publish(String topic, byte[] payload) {
        CompletableFuture<PublishAck> ack = new CompletableFuture<>();
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        try {
            client.publish(topic, message, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    MqttProperties properties = token.getResponseProperties();
                    ack.complete(new PublishAck(codes == null || codes.length == 0 ? 0 : codes[0],
                            properties == null ? null : properties.getReasonString()));
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
