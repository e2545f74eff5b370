package dev.relay.artemis;

import java.util.Map;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * Address settings for the relay namespace ({@value #MATCH}). The operator's own settings for that match (from
 * {@code broker.xml}) are kept and only the values Relay depends on are enforced: names in the namespace are ANYCAST,
 * only the relay creates or deletes queues there (a client that names a recipient may create its address, which the
 * broker reaps if no queue follows), and {@code max-expiry-delay} is a backstop for the 30-day TTL clamp that the
 * plugin applies to every message itself.
 */
final class RelayAddressSettings {
    static final String MATCH = "relay.v1.#";
    static final String EXPIRED_MATCH = "relay.v1.expired";
    /** How long the broker keeps an expired envelope on the expiry address for an operator to look at. */
    static final long EXPIRED_RETENTION_MS = 7L * 24 * 3600 * 1000;

    private RelayAddressSettings() {
    }

    static AddressSettings namespace(Map<String, AddressSettings> configured, long maxTtlSeconds) {
        AddressSettings operator = configured.get(MATCH);
        AddressSettings settings = operator == null ? new AddressSettings() : operator;
        settings.setDefaultAddressRoutingType(RoutingType.ANYCAST)
                .setDefaultQueueRoutingType(RoutingType.ANYCAST)
                .setAutoCreateAddresses(true)
                .setAutoDeleteAddresses(true)
                .setAutoCreateQueues(false)
                .setAutoDeleteQueues(false)
                .setDefaultPurgeOnNoConsumers(false)
                .setSendToDLAOnNoRoute(false)
                .setExpiryAddress(Inboxes.EXPIRY_ADDRESS)
                .setAutoCreateExpiryResources(false)
                .setDeadLetterAddress(Inboxes.DEAD_LETTER_ADDRESS)
                .setAutoCreateDeadLetterResources(false);
        if (operator == null || operator.getMaxDeliveryAttempts() == AddressSettings.DEFAULT_MAX_DELIVERY_ATTEMPTS) {
            // At-least-once to the owner: a device that keeps dropping before its ack gets the message again.
            settings.setMaxDeliveryAttempts(-1);
        }
        if (settings.getMaxExpiryDelay() == null || settings.getMaxExpiryDelay() < 0
                || settings.getMaxExpiryDelay() > maxTtlSeconds * 1000) {
            settings.setMaxExpiryDelay(maxTtlSeconds * 1000);
        }
        return settings;
    }

    /** Expired envelopes are kept a while, then dropped (no expiry address of their own, so no loop). */
    static AddressSettings expired(AddressSettings namespace) {
        AddressSettings settings = new AddressSettings().mergeCopy(namespace);
        settings.setExpiryAddress(null).setExpiryDelay(EXPIRED_RETENTION_MS).setMaxExpiryDelay(EXPIRED_RETENTION_MS);
        return settings;
    }
}
