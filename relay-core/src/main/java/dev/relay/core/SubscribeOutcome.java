package dev.relay.core;

import dev.relay.protocol.RelayException;

/** Whether a subscription (or consumer, or STOMP SUBSCRIBE) may be made. */
public sealed interface SubscribeOutcome {

    /** The identity's own inbox, or (if the operator allows) a topic outside the relay namespace. */
    record Allow() implements SubscribeOutcome {
    }

    /**
     * @param wildcard the refused filter has a wildcard in it; MQTT 5 answers those with SUBACK 0xA2 (SPEC §10.4)
     */
    record Reject(RelayException error, boolean wildcard) implements SubscribeOutcome {
        /** SUBACK reason: 0xA2 wildcard subscriptions not supported, else 0x87 not authorized. */
        public int mqtt5SubackReason() {
            return wildcard ? 0xA2 : 0x87;
        }
    }
}
