package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.interceptor.publish.PublishOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundOutput;
import dev.relay.core.RelayEngine;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.RelayException;
import java.util.concurrent.ExecutorService;

/**
 * Enforces the TTL at delivery (the engine's rule) and records delivery (sent → delivered, SPEC §3.5.2 and the audit log) when HiveMQ hands
 * an inbox message to its owner's connection; the store write runs on the executor.
 *
 * <p>Why the TTL is enforced here and not by HiveMQ's message expiry alone: a QoS 1 message that was in flight to a
 * persistent session (sent, not yet acknowledged) when the broker stopped, and whose message expiry passed before the
 * session resumed, stalls that session in HiveMQ CE: it never receives another message (found by the crash harness,
 * reproduced on bare HiveMQ; see docs/security.md). So the inbound interceptor gives HiveMQ at least
 * {@link #BROKER_EXPIRY_FLOOR_SECONDS}, and this interceptor drops an envelope whose TTL ran out and sets the message
 * expiry the recipient sees to the TTL that is left.
 */
final class RelayPublishOutboundInterceptor implements PublishOutboundInterceptor {
    /** The shortest message expiry HiveMQ gets for an inbox message; longer than any restart should take. */
    static final long BROKER_EXPIRY_FLOOR_SECONDS = 3600;

    private final RelayEngine engine;
    private final ExecutorService executor;
    private final RelayMetrics metrics;

    RelayPublishOutboundInterceptor(RelayEngine engine, ExecutorService executor, RelayMetrics metrics) {
        this.engine = engine;
        this.executor = executor;
        this.metrics = metrics;
    }

    @Override
    public void onOutboundPublish(PublishOutboundInput input, PublishOutboundOutput output) {
        if (!input.getPublishPacket().getTopic().startsWith(Addressing.MQTT_INBOX_PREFIX)) {
            return;
        }
        Envelope envelope;
        try {
            envelope = Envelope.parse(input.getPublishPacket().getPayload().map(RelayPublishInboundInterceptor::bytes)
                    .orElse(new byte[0]));
        } catch (RelayException | RuntimeException e) {
            return; // not an envelope the relay accepted (it would have been refused inbound): nothing to enforce
        }
        long ttlLeft = engine.ttlLeftSeconds(envelope);
        if (ttlLeft == 0) {
            output.preventPublishDelivery(); // SPEC §6.3: never delivered after its TTL
            metrics.expired.inc();
            return;
        }
        output.getPublishPacket().setMessageExpiryInterval(ttlLeft);
        executor.submit(() -> {
            try {
                engine.markDelivered(envelope.from(), envelope.id());
                metrics.delivered.inc();
            } catch (RuntimeException e) {
                // recorded by the next delivery or left as sent: delivery itself is unaffected
            }
        });
    }
}
