package dev.relay.gateway;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway → client direction of one connection: every frame written, counted in bytes until the network took it,
 * and the inbox messages from the broker (SPEC §13.4 {@code message} / {@code ack}, §13.5 flow control). Messages are
 * written only while fewer than {@code max_bytes_in_flight} bytes wait for the network; the rest wait here, and since
 * nothing is acknowledged to the broker before the client's {@code ack}, the broker stops after {@code max_unacked}
 * messages (MQTT receive maximum). Memory per connection is therefore bounded by max_unacked envelopes plus the bytes in
 * flight.
 *
 * <p>Not thread-safe: every call is made under the lock of the {@link ClientConnection} that owns it.
 */
final class Deliveries {
    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final Session ws;
    private final BiConsumer<Long, SendResult> written;
    private final ArrayDeque<Mqtt5Publish> waiting = new ArrayDeque<>();
    private final Map<Long, Mqtt5Publish> unacked = new HashMap<>();
    private long nextDelivery = 1;
    private long bytesInFlight;
    private long overLimitSinceNanos;
    private boolean draining;

    /** @param written told (under no lock) when a write completed: its byte count and result */
    Deliveries(GatewayConfig config, GatewayMetrics metrics, Session ws, BiConsumer<Long, SendResult> written) {
        this.config = config;
        this.metrics = metrics;
        this.ws = ws;
        this.written = written;
    }

    /** Writes one frame asynchronously; its bytes count as in flight until {@link #writeDone}. */
    void write(String frame) {
        long bytes = ServerFrames.utf8Length(frame);
        bytesInFlight += bytes;
        metrics.bytesInFlight(bytes);
        metrics.frameOut();
        try {
            ws.getAsyncRemote().sendText(frame, result -> written.accept(bytes, result));
        } catch (RuntimeException e) {
            written.accept(bytes, new SendResult(ws, e));
        }
    }

    /** A write completed (or failed): its bytes are no longer in flight. */
    void writeDone(long bytes, SendResult result) {
        bytesInFlight -= bytes;
        metrics.bytesInFlight(-bytes);
        if (!result.isOK()) {
            LOG.debug("Write to a WebSocket client failed: {}", String.valueOf(result.getException()));
        }
    }

    /** A message from the broker for the client; written by the next {@link #drain}. */
    void add(Mqtt5Publish publish) {
        waiting.add(publish);
    }

    /** Writes waiting messages while the client keeps up. */
    void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!waiting.isEmpty() && bytesInFlight < config.maxBytesInFlight) {
                Mqtt5Publish publish = waiting.poll();
                String envelope = EnvelopeRoutes.asJsonObject(publish.getPayload().orElse(ByteBuffer.allocate(0)));
                if (envelope == null) {
                    LOG.warn("Dropping a payload on {} that is not a JSON object (acknowledged to the broker)",
                            publish.getTopic());
                    publish.acknowledge();
                    continue;
                }
                long delivery = nextDelivery++;
                unacked.put(delivery, publish);
                metrics.delivered();
                write(ServerFrames.message(delivery, envelope));
            }
        } finally {
            draining = false;
        }
        if (bytesInFlight >= config.maxBytesInFlight) {
            if (overLimitSinceNanos == 0) {
                overLimitSinceNanos = System.nanoTime();
            }
        } else {
            overLimitSinceNanos = 0;
        }
    }

    /** The client's {@code ack}: acknowledges the message to the broker; false if it is not outstanding. */
    boolean ack(long delivery) {
        Mqtt5Publish publish = unacked.remove(delivery);
        if (publish == null) {
            return false;
        }
        publish.acknowledge();
        metrics.acked();
        return true;
    }

    /** Whether the client has left {@code max_bytes_in_flight} unread for longer than the slow-consumer timeout. */
    boolean isSlowConsumer(long nowNanos) {
        return overLimitSinceNanos != 0 && nowNanos - overLimitSinceNanos > config.slowConsumerTimeout.toNanos();
    }

    long bytesInFlight() {
        return bytesInFlight;
    }

    int waitingCount() {
        return waiting.size();
    }

    int unackedCount() {
        return unacked.size();
    }

    /** The connection closed: unacknowledged messages stay with the broker session; the gauge drops its bytes. */
    void release() {
        metrics.bytesInFlight(-bytesInFlight);
        waiting.clear();
        unacked.clear();
    }
}
