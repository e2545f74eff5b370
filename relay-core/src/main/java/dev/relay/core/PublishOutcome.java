package dev.relay.core;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.util.Optional;

/** What an adapter does with one publish, as decided by {@link RelayEngine#onPublish}. */
public sealed interface PublishOutcome {

    /**
     * Let the publish through to the recipient's inbox.
     *
     * @param ttlSeconds    broker message expiry to set: what is left of the clamped TTL, at least 1
     * @param expiresAtMillis absolute expiry, for anything the adapter stores itself
     */
    record Deliver(KeyId recipient, Envelope envelope, long ttlSeconds, long expiresAtMillis) implements PublishOutcome {
    }

    /**
     * The broker cannot queue for the recipient (no session): the engine parked the envelope in its store. Acknowledge
     * success to the sender and route nothing; the adapter hands parked messages over when the recipient connects.
     */
    record Parked(KeyId recipient, Envelope envelope, long expiresAtMillis) implements PublishOutcome {
    }

    /**
     * A system request was answered: drop the publish itself and put {@code reply} (signed by the relay) into the
     * requester's inbox.
     */
    record Reply(KeyId requester, Envelope reply) implements PublishOutcome {
    }

    /** The same message was accepted before: acknowledge success, deliver nothing. */
    record Duplicate(Envelope envelope) implements PublishOutcome {
    }

    /** Outside the relay namespace and the operator allows that: the broker's own rules apply. */
    record PassThrough() implements PublishOutcome {
    }

    /**
     * Refuse with a stable code. Adapters answer with the transport's refusal and send {@code notice} to the
     * publishing session when there is one: the engine decided whether the transport can carry the code and
     * throttled {@code rate_limited} notices.
     *
     * @param retryAfterSeconds set for {@link ErrorCode#RATE_LIMITED}, else 0
     * @param envelopeId        the refused envelope's id when it could be read, else null
     * @param notice            the relay-signed error envelope for the publisher's inbox, if one is to be sent
     */
    record Reject(RelayException error, long retryAfterSeconds, String envelopeId, Optional<Envelope> notice)
            implements PublishOutcome {
        public ErrorCode code() {
            return error.code();
        }

        public String reasonString() {
            return error.reasonString();
        }
    }
}
