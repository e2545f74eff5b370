package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.services.session.ClientService;
import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import com.hivemq.extension.sdk.api.services.subscription.TopicSubscription;
import dev.relay.core.BrokerSessions;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.KeyId;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HiveMQ queues a message for an offline client only if the client has a session and a matching subscription.
 * Without both, HiveMQ would drop it, so the engine parks it instead. The recipient's own session is the one whose
 * client id is its key id (SPEC §2.6). Called from the extension executor, never from a network thread.
 */
final class HiveMQBrokerSessions implements BrokerSessions {
    private static final long LOOKUP_TIMEOUT_SECONDS = 5;

    private final ClientService clients;
    private final SubscriptionStore subscriptions;

    HiveMQBrokerSessions(ClientService clients, SubscriptionStore subscriptions) {
        this.clients = clients;
        this.subscriptions = subscriptions;
    }

    @Override
    public boolean canQueueFor(KeyId recipient) {
        String clientId = recipient.toString();
        String inbox = Addressing.mqttInbox(clientId);
        try {
            if (clients.getSession(clientId).get(LOOKUP_TIMEOUT_SECONDS, TimeUnit.SECONDS).isEmpty()) {
                return false;
            }
            Set<TopicSubscription> subscribed =
                    subscriptions.getSubscriptions(clientId).get(LOOKUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return subscribed.stream().anyMatch(s -> s.getTopicFilter().equals(inbox));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            // Parking is the safe answer: the message waits in the relay store instead of being dropped.
            return false;
        }
    }

}
