package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.publish.Publish;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import com.hivemq.extension.sdk.api.services.publish.PublishToClientResult;
import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import dev.relay.core.BrokerSessions;
import dev.relay.core.RelayEngine;
import dev.relay.store.ParkedMessage;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Ttl;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts envelopes into inboxes from the extension side: the relay's own answers and errors, and parked messages when
 * their recipient subscribes. Always QoS 1, not retained, with the broker expiry set from the envelope.
 */
final class InboxDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(InboxDelivery.class);
    private static final int DRAIN_BATCH = 100;
    private static final long TIMEOUT_SECONDS = 10;

    private final RelayEngine engine;
    private final PublishService publishService;
    private final SubscriptionStore subscriptions;
    private final BrokerSessions sessions;
    private final RelayMetrics metrics;
    private final Clock clock;
    private final Executor executor;

    InboxDelivery(RelayEngine engine, PublishService publishService, SubscriptionStore subscriptions,
                  BrokerSessions sessions, RelayMetrics metrics, Clock clock, Executor executor) {
        this.executor = executor;
        this.engine = engine;
        this.publishService = publishService;
        this.subscriptions = subscriptions;
        this.sessions = sessions;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** An envelope signed by the relay, for {@code recipient}'s inbox; parked if the broker cannot queue for it. */
    void deliverFromRelay(KeyId recipient, Envelope envelope) {
        if (sessions.readers(recipient, null) != BrokerSessions.Readers.HELD) {
            engine.parkReply(recipient, envelope);
            return;
        }
        long expiresAt = envelope.expiresAtMillis(engine.config().maxTtlSeconds());
        publishService.publish(publish(recipient, envelope.toJson(), expiresAt)).whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.warn("Could not put relay envelope {} into the inbox of {}; parking it", envelope.id(), recipient, failure);
                engine.parkReply(recipient, envelope);
            }
        });
    }

    /**
     * An envelope signed by the relay for the session that caused it (an answer to its request, an error about its
     * publish): handed straight to that session when it has its inbox subscription. Only if it has none does the
     * general path decide, so a slow subscription lookup on a busy broker cannot park an answer its requester waits
     * for.
     */
    void deliverToRequester(KeyId requester, String clientId, Envelope envelope) {
        long expiresAt = envelope.expiresAtMillis(engine.config().maxTtlSeconds());
        // Never wait for it here: HiveMQ hands the message over only after the requester's own PUBLISH is answered.
        publishService.publishToClient(publish(requester, envelope.toJson(), expiresAt), clientId)
                .whenComplete((result, failure) -> {
                    if (failure != null || result != PublishToClientResult.SUCCESSFUL) {
                        executor.execute(() -> deliverFromRelay(requester, envelope)); // the lookup may block
                    }
                });
    }

    /**
     * Hands every parked message of {@code identity} to its session {@code clientId}, oldest first, removing each once
     * HiveMQ has it. The inbox subscription is made server-side first, so the hand-over does not race the SUBACK.
     */
    void drainParked(KeyId identity, String clientId) {
        try {
            subscriptions.addSubscription(clientId, Builders.topicSubscription()
                    .topicFilter(Addressing.mqttInbox(identity.toString())).qos(Qos.AT_LEAST_ONCE).build())
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<ParkedMessage> batch;
            do {
                batch = engine.parked(identity, DRAIN_BATCH);
                List<Long> handed = new ArrayList<>();
                for (ParkedMessage parked : batch) {
                    PublishToClientResult result = publishService.publishToClient(
                            publish(identity, parked.envelope(), parked.expiresAtMs()), clientId)
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    if (result != PublishToClientResult.SUCCESSFUL) {
                        break;
                    }
                    handed.add(parked.seq());
                }
                engine.unpark(handed);
                metrics.delivered.inc(handed.size());
                if (handed.size() < batch.size()) {
                    return; // the session went away or unsubscribed: the rest waits for the next subscribe
                }
            } while (batch.size() == DRAIN_BATCH);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Could not hand parked messages to {}; they stay parked until its next subscribe", clientId, e);
        }
    }

    private Publish publish(KeyId recipient, byte[] envelopeJson, long expiresAtMillis) {
        return Builders.publish()
                .topic(Addressing.mqttInbox(recipient.toString()))
                .qos(Qos.AT_LEAST_ONCE)
                .retain(false)
                .messageExpiryInterval(Math.max(1, Ttl.remainingSeconds(expiresAtMillis, clock.millis())))
                .payload(ByteBuffer.wrap(envelopeJson))
                .build();
    }
}
