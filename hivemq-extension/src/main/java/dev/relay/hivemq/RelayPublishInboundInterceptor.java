package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.ModifiablePublishPacket;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.codahale.metrics.Timer;
import dev.relay.core.PublishOutcome;
import dev.relay.core.RelayEngine;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every PUBLISH goes through relay-core (SPEC §3.7) on the extension executor. Accepted envelopes leave with the
 * relay's TTL as message expiry, QoS 1 and no retain flag; refusals keep the client connected: MQTT 5 gets the PUBACK
 * reason code and reason string, MQTT 3.1.1 (and MQTT 5 QoS 0) an error envelope in its own inbox (SPEC §10.2).
 */
final class RelayPublishInboundInterceptor implements PublishInboundInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RelayPublishInboundInterceptor.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final RelayEngine engine;
    private final ClientIdentities identities;
    private final InboxDelivery delivery;
    private final ExecutorService executor;
    private final RelayMetrics metrics;

    RelayPublishInboundInterceptor(RelayEngine engine, ClientIdentities identities, InboxDelivery delivery,
                                   ExecutorService executor, RelayMetrics metrics) {
        this.engine = engine;
        this.identities = identities;
        this.delivery = delivery;
        this.executor = executor;
        this.metrics = metrics;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        PublishPacket packet = input.getPublishPacket();
        String clientId = input.getClientInformation().getClientId();
        boolean mqtt5 = input.getConnectionInformation().getMqttVersion() == MqttVersion.V_5;
        boolean acknowledged = packet.getQos() != Qos.AT_MOST_ONCE;
        Optional<KeyId> identity = identities.of(input);
        if (identity.isEmpty()) {
            refuse(output, mqtt5, acknowledged, null, clientId, new byte[0],
                    new RelayException(ErrorCode.FORBIDDEN, "client is not authenticated by the relay"));
            return;
        }
        Address address = Addressing.parseMqttTopic(packet.getTopic());
        byte[] payload = bytes(packet.getPayload());
        // A session that ends with its connection is named: its note to its own identity needs a parked copy.
        String passingPublisher = identities.hasPersistentSession(input) ? null : clientId;
        Async<PublishInboundOutput> async = output.async(TIMEOUT, TimeoutFallback.FAILURE,
                AckReasonCode.UNSPECIFIED_ERROR, "internal: relay decision timed out");
        executor.submit(() -> {
            try (Timer.Context ignored = metrics.decisionTime.time()) {
                apply(engine.onPublish(identity.get(), passingPublisher, address, payload), output, mqtt5, acknowledged,
                        identity.get(), clientId, payload);
            } catch (RuntimeException e) {
                LOG.error("Relay publish handling failed for client {}", clientId, e);
                output.preventPublishDelivery(AckReasonCode.UNSPECIFIED_ERROR, "internal: relay internal error");
            } finally {
                async.resume();
            }
        });
    }

    private void apply(PublishOutcome outcome, PublishInboundOutput output, boolean mqtt5, boolean acknowledged,
                       KeyId publisher, String clientId, byte[] payload) {
        if (outcome instanceof PublishOutcome.Deliver deliver) {
            ModifiablePublishPacket packet = output.getPublishPacket();
            // Never shorter than an hour in HiveMQ's queue: the outbound interceptor enforces the TTL itself.
            packet.setMessageExpiryInterval(Math.max(deliver.ttlSeconds(),
                    RelayPublishOutboundInterceptor.BROKER_EXPIRY_FLOOR_SECONDS));
            packet.setQos(Qos.AT_LEAST_ONCE); // a QoS 0 message would be dropped for an offline recipient
            packet.setRetain(false);          // a retained inbox message would be handed out again on every subscribe
            metrics.accepted.inc();
        } else if (outcome instanceof PublishOutcome.Parked) {
            metrics.accepted.inc();
            metrics.parked.inc();
            acceptWithoutRouting(output, mqtt5);
        } else if (outcome instanceof PublishOutcome.Reply reply) {
            metrics.requests.inc();
            acceptWithoutRouting(output, mqtt5);
            delivery.deliverToRequester(reply.requester(), clientId, reply.reply());
        } else if (outcome instanceof PublishOutcome.Duplicate) {
            metrics.duplicates.inc();
            acceptWithoutRouting(output, mqtt5);
        } else if (outcome instanceof PublishOutcome.Reject reject) {
            refuse(output, mqtt5, acknowledged, publisher, clientId, payload, reject.error());
        }
        // PassThrough: the broker's own rules apply.
    }

    /** The sender sees success; the broker routes nothing (the relay delivered, parked or answered it). */
    private static void acceptWithoutRouting(PublishInboundOutput output, boolean mqtt5) {
        if (mqtt5) {
            output.preventPublishDelivery(AckReasonCode.SUCCESS);
        } else {
            output.preventPublishDelivery();
        }
    }

    private void refuse(PublishInboundOutput output, boolean mqtt5, boolean acknowledged, KeyId publisher,
                        String clientId, byte[] payload, RelayException error) {
        metrics.refused(error.code());
        if (mqtt5) {
            output.preventPublishDelivery(ackReason(error.code()), error.reasonString());
        } else {
            output.preventPublishDelivery(); // any other answer disconnects an MQTT 3.1.1 client
        }
        if (publisher != null && (!mqtt5 || !acknowledged)) {
            delivery.deliverToRequester(publisher, clientId, engine.errorEnvelope(publisher, payload, error));
        }
    }

    static AckReasonCode ackReason(ErrorCode code) {
        switch (code.mqtt5PubackReason()) {
            case 0x00:
                return AckReasonCode.SUCCESS;
            case 0x83:
                return AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR;
            case 0x87:
                return AckReasonCode.NOT_AUTHORIZED;
            case 0x97:
                return AckReasonCode.QUOTA_EXCEEDED;
            case 0x99:
                return AckReasonCode.PAYLOAD_FORMAT_INVALID;
            default:
                return AckReasonCode.UNSPECIFIED_ERROR;
        }
    }

    private static byte[] bytes(Optional<ByteBuffer> payload) {
        if (payload.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer copy = payload.get().asReadOnlyBuffer();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
