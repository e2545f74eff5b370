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
    BrokerSessions ALWAYS = (recipient, passingPublisher) -> Readers.HELD;

    /** Who would hold a message put into an inbox now. */
    enum Readers {
        /** The broker holds it for a reader: it queues it for a session, or hands it to one that reads now. */
        HELD,
        /**
         * Only the publishing connection's own session reads, and it ends with its connection (a one-shot tool's note
         * to its own identity): it gets the message now, and the engine parks a copy for the identity's next lasting
         * session, which would otherwise never see it (SPEC §6.4).
         */
        PUBLISHER_ONLY,
        /** Nobody: the engine parks the message. */
        NONE
    }

    /**
     * Who would hold a message for {@code recipient}.
     *
     * @param passingPublisher the broker's client id of the publishing connection when its session ends with the
     *                         connection (session expiry 0), else null
     */
    Readers readers(KeyId recipient, String passingPublisher);

    /**
     * Whether the sessions of one identity compete for its inbox (one queue, each message to one of them: Artemis) or
     * each session gets every message (HiveMQ's non-shared subscriptions). SPEC §4.5; announced in {@code relay.info}
     * as {@code session_delivery}, so that a tool can tell whether leaving a message unacknowledged matters.
     */
    default boolean sessionsCompete() {
        return true;
    }
}
