package dev.relay.core;

import dev.relay.protocol.KeyId;

/**
 * What the broker can hold for a recipient. HiveMQ queues QoS 1 messages only for a client that has a persistent
 * session; for anyone else the engine parks the message in its store (SPEC §6.4). Artemis always has the durable inbox
 * queue, so its adapter keeps the default.
 */
@FunctionalInterface
public interface BrokerSessions {
    /** Every recipient has a broker-side queue (Artemis: the durable inbox queue made by the relay). */
    BrokerSessions ALWAYS = recipient -> Readers.LASTING;

    /** Who reads a recipient's inbox on the broker's side, as far as keeping a message goes. */
    enum Readers {
        /** A session that outlives its connection is subscribed: the broker queues the message until it is read. */
        LASTING,
        /**
         * Only sessions that end with their connection are subscribed (one-shot tools): they get the message now, and
         * the engine parks a copy for the identity's next lasting session, which the broker would otherwise never see.
         */
        PASSING_ONLY,
        /** Nobody: the engine parks the message. */
        NONE
    }

    /** Who would read a message put into {@code recipient}'s inbox now. */
    Readers readers(KeyId recipient);

    /**
     * Whether the sessions of one identity compete for its inbox (one queue, each message to one of them: Artemis) or
     * each session gets every message (HiveMQ's non-shared subscriptions). SPEC §4.5; announced in {@code relay.info}
     * as {@code session_delivery}, so that a tool can tell whether leaving a message unacknowledged matters.
     */
    default boolean sessionsCompete() {
        return true;
    }
}
