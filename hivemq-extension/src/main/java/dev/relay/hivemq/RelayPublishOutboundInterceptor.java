package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.interceptor.publish.PublishOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundOutput;
import dev.relay.core.RelayEngine;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.RelayException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * Records delivery (sent → delivered, SPEC §3.5.2 and the audit log) when HiveMQ hands an inbox message to its
 * owner's connection. Observation only: it never changes or delays the message; the store write runs on the executor.
 */
final class RelayPublishOutboundInterceptor implements PublishOutboundInterceptor {
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
        Optional<ByteBuffer> payload = input.getPublishPacket().getPayload();
        if (payload.isEmpty()) {
            return;
        }
        ByteBuffer copy = payload.get().asReadOnlyBuffer();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        executor.submit(() -> {
            try {
                Envelope envelope = Envelope.parse(bytes);
                engine.markDelivered(envelope.from(), envelope.id());
                metrics.delivered.inc();
            } catch (RelayException | RuntimeException ignored) {
                // Not an envelope the relay accepted (it would have been refused inbound): nothing to record.
            }
        });
    }
}
