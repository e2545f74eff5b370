package dev.relay.gateway;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client's own MQTT 5 session on the broker, opened with the client's username (key id) and password (its
 * connect token): the broker's relay authenticates the client, never the gateway. Persistent (clean start 0, session
 * expiry from the configuration), subscribed to the client's inbox, with manual acknowledgement so that a message is
 * acknowledged to the broker only after the WebSocket client acknowledged it, and a receive maximum that bounds how
 * many unacknowledged messages the broker hands over.
 */
final class BrokerSession {
    /** Outcome of one publish as the client should hear it: accepted, or the relay's refusal. */
    record PublishOutcome(Refusal refusal) {
        static final PublishOutcome ACCEPTED = new PublishOutcome(null);

        boolean accepted() {
            return refusal == null;
        }
    }

    /** Why the broker connection ended, for the close code the WebSocket gets. */
    enum EndReason { TAKEN_OVER, LOST }

    /** A refused CONNECT, with the code for the WebSocket close reason. */
    static final class ConnectRefused extends Exception {
        final String code;
        final boolean brokerUnavailable;

        ConnectRefused(String code, String message, boolean brokerUnavailable) {
            super(message);
            this.code = code;
            this.brokerUnavailable = brokerUnavailable;
        }
    }

    private final Mqtt5AsyncClient client;
    private final String keyId;
    private final GatewayConfig config;
    private volatile boolean closing;

    BrokerSession(GatewayConfig config, String keyId, String clientId, Consumer<Mqtt5Publish> inbound,
                  Consumer<EndReason> ended) {
        this.config = config;
        this.keyId = keyId;
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(config.brokerUri.getHost())
                .serverPort(config.brokerUri.getPort())
                .addDisconnectedListener(context -> onDisconnected(context, ended))
                .buildAsync();
        // Registered before CONNECT: a resumed session gets its queued messages right after CONNACK.
        client.publishes(MqttGlobalPublishFilter.ALL, inbound, true);
    }

    /**
     * Connects with the client's token and subscribes to its inbox; completes with session-present. A transient
     * session (SPEC §13.3) starts clean and ends with the connection, so nothing queues for it afterwards.
     */
    CompletableFuture<Boolean> connect(String token, boolean transientSession) {
        return client.connectWith()
                .cleanStart(transientSession)
                .sessionExpiryInterval(transientSession ? 0 : config.sessionExpirySeconds)
                .keepAlive(30)
                .simpleAuth().username(keyId).password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth()
                .restrictions().receiveMaximum(config.maxUnacked).applyRestrictions()
                .send()
                .orTimeout(config.brokerConnectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((connAck, failure) -> {
                    if (failure != null) {
                        throw new CompletionException(refusal(unwrap(failure)));
                    }
                    return connAck.isSessionPresent();
                })
                .thenCompose(sessionPresent -> client.subscribeWith()
                        .topicFilter(Addressing.mqttInbox(keyId))
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send()
                        .thenApply(subAck -> sessionPresent));
    }

    /** Publishes envelope bytes at QoS 1 and reports the relay's answer (never completes exceptionally). */
    CompletableFuture<PublishOutcome> publish(String topic, byte[] envelope) {
        return client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(envelope)
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .contentType("application/json")
                .send()
                .orTimeout(config.publishTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((result, failure) -> failure != null ? outcome(unwrap(failure)) : outcome(result));
    }

    /** Ends the network connection and keeps the session (and every unacknowledged message) on the broker. */
    void disconnect() {
        closing = true;
        client.disconnect().exceptionally(failure -> null);
    }

    private void onDisconnected(MqttClientDisconnectedContext context, Consumer<EndReason> ended) {
        if (closing) {
            return;
        }
        Throwable cause = context.getCause();
        boolean takenOver = cause instanceof Mqtt5DisconnectException disconnect
                && disconnect.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER;
        ended.accept(takenOver ? EndReason.TAKEN_OVER : EndReason.LOST);
    }

    private static PublishOutcome outcome(Mqtt5PublishResult result) {
        if (result.getError().isPresent()) {
            return outcome(result.getError().get());
        }
        if (result instanceof Mqtt5PublishResult.Mqtt5Qos1Result qos1) {
            return outcome(qos1.getPubAck());
        }
        return PublishOutcome.ACCEPTED;
    }

    /** The relay's refusal as every client reads it ({@link ErrorMapping}): the reason string's code, else §13.4's. */
    private static PublishOutcome outcome(Mqtt5PubAck pubAck) {
        Mqtt5PubAckReasonCode reason = pubAck.getReasonCode();
        if (!reason.isError()) {
            return PublishOutcome.ACCEPTED;
        }
        return new PublishOutcome(ErrorMapping.fromPuback(reason.getCode(),
                pubAck.getReasonString().map(Object::toString).orElse(null)));
    }

    private static PublishOutcome outcome(Throwable failure) {
        if (failure instanceof Mqtt5PubAckException pubAck) {
            return outcome((Mqtt5PubAck) pubAck.getMqttMessage());
        }
        if (failure instanceof java.util.concurrent.TimeoutException) {
            return new PublishOutcome(new Refusal(ErrorMapping.INTERNAL,
                    "the broker did not answer in time; the envelope may have been accepted, sending it again is safe",
                    null));
        }
        return new PublishOutcome(new Refusal(ErrorMapping.INTERNAL, "the broker session failed: " + failure, null));
    }

    private static ConnectRefused refusal(Throwable failure) {
        if (failure instanceof Mqtt5ConnAckException connAckException) {
            Mqtt5ConnAck connAck = (Mqtt5ConnAck) connAckException.getMqttMessage();
            Mqtt5ConnAckReasonCode reason = connAck.getReasonCode();
            // A broker without reason strings here (Artemis, SPEC §10.9) is read as SPEC §13.2 says.
            Refusal refusal = ErrorMapping.fromConnack(reason.getCode(),
                    connAck.getReasonString().map(Object::toString).orElse(null));
            return new ConnectRefused(refusal.code(), refusal.message(), false);
        }
        return new ConnectRefused("internal", "broker unavailable: " + failure.getMessage(), true);
    }

    static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof java.util.concurrent.ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
