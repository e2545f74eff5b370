package dev.relay.client;

import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link ClientCore} needs from one transport (MQTT through Paho, the WebSocket gateway through Tyrus): open a
 * connection as the client's identity, publish envelopes and report the broker's answer, hand over inbox deliveries,
 * end. Everything else (life cycle, reconnects, sends and their answers, the inbox checks) is written once, in the
 * core. A transport reads the broker's answers with {@link ErrorMapping}, so that every transport reports the same code
 * for the same answer.
 */
public interface ClientTransport {
    /** A new connection for one attempt; nothing goes over the network yet. One connection is used once. */
    Connection newConnection(Listener listener) throws RelayClientException;

    /** Where it connects, for logs and messages. */
    String endpoint();

    /**
     * Whether a connection that ended, or an attempt that failed, with {@code cause} is worth another attempt (when the
     * client reconnects at all). By default everything is: a device in the field keeps trying.
     */
    default boolean shouldReconnect(RelayClientException cause) {
        return true;
    }

    /** The client closed: release what the transport holds (threads, a WebSocket container). */
    default void release() {
    }

    /** Signs connect tokens (SPEC §2.2) for the transport: the client's key stays with the core. */
    @FunctionalInterface
    interface Tokens {
        /** A fresh token for {@code realm}; {@code nonce} is the server's challenge (SPEC §2.5), or null for new. */
        ConnectToken sign(String realm, byte[] nonce) throws RelayClientException;
    }

    /** What a connection reports; called on the transport's threads. */
    interface Listener {
        /** An inbox delivery; {@code ack} acknowledges it to the broker (call at most once). */
        void delivered(byte[] envelope, Runnable ack);

        /** The connection ended (not called after {@link Connection#close()}). */
        void lost(RelayClientException cause);
    }

    /** One connection. */
    interface Connection {
        /**
         * Connects and authenticates, blocking up to {@code timeout}; true when the broker resumed a session (messages
         * that waited follow). A refusal throws with the relay's code.
         */
        boolean connect(Tokens tokens, Duration timeout) throws RelayClientException;

        /**
         * Starts the inbox deliveries (an MQTT subscription); called once the core made this the current connection,
         * so that a handler answering an early delivery finds it. A refusal throws with the relay's code.
         */
        default void subscribeInbox(Duration timeout) throws RelayClientException {
        }

        /**
         * Publishes one envelope (to the inbox its {@code to} names, or to the system address for a request). The
         * future fails only when no answer can come (the connection ended, no answer in time), with
         * {@code connection_lost} or {@code timeout}; a refusal is an answer.
         */
        CompletableFuture<PublishAnswer> publish(Envelope envelope);

        /** Ends the connection cleanly (a lasting broker session stays); {@link Listener#lost} is not called. */
        void close();
    }

    /**
     * The broker's answer to one publish. {@code errorEnvelopeMayFollow}: the answer does not say (or not precisely)
     * why the publish was refused, so the relay's {@code error} envelope (SPEC §10.2) may still come into the inbox:
     * MQTT 3.1.1 acknowledges refused publishes like accepted ones, and a PUBACK without reason string has only a
     * reason code.
     */
    record PublishAnswer(Refusal refusal, boolean errorEnvelopeMayFollow) {
        private static final PublishAnswer ACCEPTED = new PublishAnswer(null, false);
        private static final PublishAnswer ACKNOWLEDGED = new PublishAnswer(null, true);

        /** Accepted (or a duplicate, SPEC §10.8). */
        public static PublishAnswer accepted() {
            return ACCEPTED;
        }

        /** Acknowledged without saying whether it was refused (MQTT 3.1.1): an error envelope would say. */
        public static PublishAnswer acknowledged() {
            return ACKNOWLEDGED;
        }

        /**
         * Refused; {@code precise} when the code came from the relay's own words (a reason string, an error frame),
         * not from a bare reason code.
         */
        public static PublishAnswer refused(Refusal refusal, boolean precise) {
            return new PublishAnswer(refusal, !precise);
        }

        public boolean isRefused() {
            return refusal != null;
        }
    }
}
