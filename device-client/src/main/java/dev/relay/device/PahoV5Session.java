package dev.relay.device;

import dev.relay.client.ClientTransport;
import dev.relay.client.ClientTransport.PublishAnswer;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorMapping;
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

/**
 * One MQTT 5 connection of a device on Eclipse Paho: manual acks, memory persistence, no automatic reconnect (it would
 * re-send a used token). Refusals are read with {@link ErrorMapping}: the reason string's code, else the reason code's.
 */
final class PahoV5Session implements ClientTransport.Connection {
    private static final Logger LOG = LoggerFactory.getLogger(PahoV5Session.class);

    private final MqttTransport settings;
    private final MqttAsyncClient client;
    private volatile boolean closing;

    PahoV5Session(MqttTransport settings, ClientTransport.Listener listener) throws RelayClientException {
        this.settings = settings;
        String serverUri = settings.serverUri();
        String clientId = settings.clientId();
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
                listener.delivered(message.getPayload(), () -> ack(id, qos));
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
    public boolean connect(ClientTransport.Tokens tokens, Duration timeout) throws RelayClientException {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(settings.username());
        options.setPassword(tokens.sign(settings.realm(), null).password().getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(settings.sessionExpirySeconds() == 0);
        options.setSessionExpiryInterval(settings.sessionExpirySeconds());
        options.setAutomaticReconnect(false); // the device reconnects itself, with a fresh token each time
        options.setKeepAliveInterval(settings.keepAliveSeconds());
        options.setConnectionTimeout((int) Math.max(1, timeout.toSeconds()));
        // Reason strings on PUBACK and SUBACK (SPEC §10.4), unless the application asked to do without.
        options.setRequestProblemInfo(settings.problemInformation());
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
            IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
            token.waitForCompletion(timeout.toMillis());
            int[] codes = token.getReasonCodes();
            if (codes == null || codes.length == 0 || codes[0] >= 0x80) {
                MqttProperties properties = token.getResponseProperties();
                throw RelayClientException.of(ErrorMapping.fromSuback(codes == null || codes.length == 0 ? 0x80
                        : codes[0], properties == null ? null : properties.getReasonString()));
            }
        } catch (MqttException e) {
            throw PahoErrors.lost("subscribe to " + filter, e);
        }
    }

    @Override
    public CompletableFuture<PublishAnswer> publish(Envelope envelope) {
        CompletableFuture<PublishAnswer> answer = new CompletableFuture<>();
        MqttMessage message = new MqttMessage(envelope.toJson());
        message.setQos(1);
        try {
            client.publish(MqttTransport.topicOf(envelope), message, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    int reasonCode = codes == null || codes.length == 0 ? 0 : codes[0];
                    if (reasonCode < 0x80) {
                        answer.complete(PublishAnswer.accepted());
                        return;
                    }
                    MqttProperties properties = token.getResponseProperties();
                    String reasonString = properties == null ? null : properties.getReasonString();
                    // Final even without reason string (the client asked for none): a QoS 1 refusal is answered on
                    // the PUBACK only, never by an error envelope (SPEC §10.2); the bare code is read as §13.4 says.
                    answer.complete(PublishAnswer.refused(ErrorMapping.fromPuback(reasonCode, reasonString), true));
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
