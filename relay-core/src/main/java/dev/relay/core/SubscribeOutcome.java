package dev.relay.core;

import dev.relay.protocol.RelayException;

/** Whether a subscription (or consumer, or STOMP SUBSCRIBE) may be made. */
public sealed interface SubscribeOutcome {

    /** The identity's own inbox, or (if the operator allows) a topic outside the relay namespace. */
    record Allow() implements SubscribeOutcome {
    }

    /** Refused; MQTT answers SUBACK 0x87 (3.1.1: 0x80) with the reason string (SPEC §10.4). */
    record Reject(RelayException error) implements SubscribeOutcome {
    }
}
