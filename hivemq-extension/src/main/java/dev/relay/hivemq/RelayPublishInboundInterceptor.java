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
import dev.relay.core.ConnectFacts;
import dev.relay.core.PublishFacts;
import dev.relay.core.PublishOutcome;
import dev.relay.core.RelayEngine;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
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
 * relay's TTL as message expiry and QoS 1; refusals keep the client connected: MQTT 5 gets the PUBACK reason code and
 * reason string, and the engine's error notice, if it made one, goes to the publishing session (SPEC §10.2).
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
        Optional<KeyId> identity = identities.of(input);
        if (identity.isEmpty()) {
            refuse(output, mqtt5, clientId, null, new RelayException(ErrorCode.FORBIDDEN,
                    "client is not authenticated by the relay"), Optional.empty());
            return;
        }
        Address address = Addressing.parseMqttTopic(packet.getTopic());
        byte[] payload = packet.getPayload().map(RelayPublishInboundInterceptor::bytes).orElse(new byte[0]);
        // A session that ends with its connection is named: its note to its own identity needs a parked copy.
        PublishFacts facts = new PublishFacts(mqtt5 ? ConnectFacts.Transport.MQTT5 : ConnectFacts.Transport.MQTT3,
                packet.getQos().getQosNumber(), packet.getRetain(),
                identities.hasPersistentSession(input) ? null : clientId, clientId);
        Async<PublishInboundOutput> async = output.async(TIMEOUT, TimeoutFallback.FAILURE,
                AckReasonCode.UNSPECIFIED_ERROR, "internal: relay decision timed out");
        executor.submit(() -> {
            try (Timer.Context ignored = metrics.decisionTime.time()) {
                apply(engine.onPublish(identity.get(), facts, address, payload), output, mqtt5, identity.get(), clientId);
            } catch (RuntimeException e) {
                LOG.error("Relay publish handling failed for client {}", clientId, e);
                output.preventPublishDelivery(AckReasonCode.UNSPECIFIED_ERROR, "internal: relay internal error");
            } finally {
                async.resume();
            }
        });
    }

    private void apply(PublishOutcome outcome, PublishInboundOutput output, boolean mqtt5, KeyId publisher,
                       String clientId) {
        if (outcome instanceof PublishOutcome.Deliver deliver) {
            ModifiablePublishPacket packet = output.getPublishPacket();
            // Never shorter than an hour in HiveMQ's queue: the outbound interceptor enforces the TTL itself.
            packet.setMessageExpiryInterval(Math.max(deliver.ttlSeconds(),
                    RelayPublishOutboundInterceptor.BROKER_EXPIRY_FLOOR_SECONDS));
            packet.setQos(Qos.AT_LEAST_ONCE); // a QoS 0 message would be dropped for an offline recipient
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
            refuse(output, mqtt5, clientId, publisher, reject.error(), reject.notice());
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

    private void refuse(PublishInboundOutput output, boolean mqtt5, String clientId, KeyId publisher,
                        RelayException error, Optional<Envelope> notice) {
        metrics.refused(error.code());
        if (mqtt5) {
            output.preventPublishDelivery(ackReason(error.code()), error.reasonString());
        } else {
            output.preventPublishDelivery(); // any other answer disconnects an MQTT 3.1.1 client
        }
        notice.ifPresent(envelope -> delivery.deliverToRequester(publisher, clientId, envelope));
    }

    /** SPEC §10.4; the SDK's enum has no lookup by code. */
    static AckReasonCode ackReason(ErrorCode code) {
        return switch (code.mqtt5PubackReason()) {
            case 0x00 -> AckReasonCode.SUCCESS;
            case 0x83 -> AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR;
            case 0x87 -> AckReasonCode.NOT_AUTHORIZED;
            case 0x97 -> AckReasonCode.QUOTA_EXCEEDED;
            case 0x99 -> AckReasonCode.PAYLOAD_FORMAT_INVALID;
            default -> AckReasonCode.UNSPECIFIED_ERROR;
        };
    }

    /** The bytes of a payload or auth data buffer, leaving the buffer as it was. */
    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.asReadOnlyBuffer().get(bytes);
        return bytes;
    }
}
