package dev.relay.artemis.it;

import dev.relay.protocol.Addressing;
import dev.relay.tck.RelayBinding;

/**
 * A client of one protocol connected to {@link RelayArtemis} as one identity: the conformance kit's client plus raw
 * access to any address, for the isolation and refusal tests. Addresses are Artemis names ({@code relay.v1.inbox.K});
 * MQTT clients map them to topics ({@code relay/v1/inbox/K}).
 */
interface ArtemisClient extends RelayBinding.Client {

    /** The key id this client authenticated as. */
    String keyId();

    @Override
    default void subscribeOwnInbox() throws Exception {
        if (!tryConsume(Addressing.artemisInbox(keyId()))) {
            throw new IllegalStateException("own inbox subscription refused");
        }
    }

    /** Sends {@code payload} to {@code address} and reports what the transport said. */
    RelayBinding.Sent sendTo(String address, byte[] payload) throws Exception;

    /** Tries to consume from {@code address}; true if the broker let it (a conforming relay only for the own inbox). */
    boolean tryConsume(String address) throws Exception;

    @Override
    default RelayBinding.Sent publishToInbox(String keyId, byte[] payload) throws Exception {
        return sendTo(Addressing.artemisInbox(keyId), payload);
    }

    @Override
    default RelayBinding.Sent publishRequest(byte[] payload) throws Exception {
        return sendTo(Addressing.ARTEMIS_SYSTEM_ADDRESS, payload);
    }

    @Override
    default boolean trySubscribeInboxOf(String keyId) throws Exception {
        return tryConsume(Addressing.artemisInbox(keyId));
    }

    static String mqttTopic(String artemisAddress) {
        return artemisAddress.replace('.', '/');
    }
}
