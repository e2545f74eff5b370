package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import dev.relay.core.BrokerSessions;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.KeyId;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HiveMQ delivers or queues a message only for sessions with a matching subscription; without one it would drop it,
 * so the engine parks it instead. When the only reader is the publishing connection's own session and that ends with
 * its connection (session expiry 0, a one-shot tool writing to its own identity), the session gets the message and the
 * engine parks a copy, which HiveMQ would not keep. Called from the extension executor, never from a network thread.
 */
final class HiveMQBrokerSessions implements BrokerSessions {
    private static final long LOOKUP_TIMEOUT_SECONDS = 5;

    private final SubscriptionStore subscriptions;

    HiveMQBrokerSessions(SubscriptionStore subscriptions) {
        this.subscriptions = subscriptions;
    }

    /** Each session of an identity has its own (non-shared) subscription, so each gets every message. */
    @Override
    public boolean sessionsCompete() {
        return false;
    }

    @Override
    public Readers readers(KeyId recipient, String passingPublisher) {
        String inbox = Addressing.mqttInbox(recipient.toString());
        try {
            // Only the identity's own sessions (<key id> and <key id>.<suffix>) can hold this exact subscription, and
            // a subscription exists only inside a session, which HiveMQ routes to online or queues for offline.
            AtomicBoolean held = new AtomicBoolean();
            AtomicBoolean publisherReads = new AtomicBoolean();
            subscriptions.iterateAllSubscribersForTopic(inbox, (context, subscriber) -> {
                String clientId = subscriber.getClientId();
                if (clientId.equals(passingPublisher)) {
                    publisherReads.set(true);
                } else {
                    held.set(true);
                    context.abortIteration();
                }
            }, Runnable::run).get(LOOKUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return held.get() ? Readers.HELD : publisherReads.get() ? Readers.PUBLISHER_ONLY : Readers.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Readers.NONE;
        } catch (ExecutionException | TimeoutException e) {
            // Parking is the safe answer: the message waits in the relay store instead of being dropped.
            return Readers.NONE;
        }
    }
}
