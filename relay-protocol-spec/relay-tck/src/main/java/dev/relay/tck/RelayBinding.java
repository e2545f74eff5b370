package dev.relay.tck;

import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;

/**
 * What a binding (a broker with Relay inside, reached through real clients) offers the conformance kit. Each binding's
 * test module implements this for one protocol and extends {@link ConformanceSuite}.
 */
public interface RelayBinding {

    /** The realm connect tokens must be made for. */
    String realm();

    /** Connects as {@code identity} with a fresh connect token, in a session that keeps messages while offline. */
    Client connect(RelayKeyPair identity) throws Exception;

    /**
     * Connects with exactly these credentials (for token tests).
     *
     * @throws ConnectRefusedException when the relay refuses the connect
     */
    Client connect(RelayKeyPair identity, String username, String password) throws Exception;

    /**
     * Connects one more session of {@code identity} (fresh token) that lives beside the ones it already has: on MQTT
     * with client id {@code <key id>.<suffix>} (SPEC §2.6), on other transports simply another connection.
     */
    Client connectAnotherSession(RelayKeyPair identity, String suffix) throws Exception;

    /** Whether the binding's transport has sessions that end with their connection ({@link #connectTransient}). */
    default boolean hasTransientSessions() {
        return false;
    }

    /**
     * Connects a session of {@code identity} (fresh token) that ends with its connection, as one-shot tools use
     * (SPEC §13.3): on MQTT 5 clean start 1 and session expiry 0, on MQTT 3.1.1 clean session 1, client id
     * {@code <key id>.<suffix>}. Bindings without such sessions leave this unsupported.
     */
    default Client connectTransient(RelayKeyPair identity, String suffix) throws Exception {
        throw new UnsupportedOperationException("this binding has no transient sessions");
    }

    /** One connected client of one identity. */
    interface Client extends AutoCloseable {

        /** Subscribes to (or opens a consumer on) the identity's own inbox; must succeed. */
        void subscribeOwnInbox() throws Exception;

        /** Tries to read another identity's inbox; true if the broker allowed it (a conforming relay never does). */
        boolean trySubscribeInboxOf(String keyId) throws Exception;

        /** Publishes {@code payload} into the inbox of {@code keyId}. */
        Sent publishToInbox(String keyId, byte[] payload) throws Exception;

        /** Publishes {@code payload} to the system address. */
        Sent publishRequest(byte[] payload) throws Exception;

        /** The next message from the own inbox, or null if none arrives within {@code timeout}. */
        byte[] receive(Duration timeout) throws Exception;

        /** Whether the connection is still up (refusals must not cost a well-behaved client its connection). */
        boolean isConnected();

        @Override
        void close() throws Exception;
    }

    /**
     * What the transport said about a publish.
     *
     * @param refused      the transport refused it with a reason (MQTT 5 PUBACK, AMQP rejected, STOMP ERROR)
     * @param reasonString the reason string when refused ({@code "<code>: <text>"}), else null. Transports without a
     *                     negative acknowledgement report refusals as error envelopes in the inbox instead.
     */
    record Sent(boolean refused, String reasonString) {
        public static Sent accepted() {
            return new Sent(false, null);
        }
    }

    /**
     * The relay refused a connect. The message says what the client saw; {@link #reasonString()} is the relay's reason
     * string ({@code "<code>: <text>"}) when the transport carried one to the client (STOMP ERROR, WebSocket close),
     * else null (MQTT 3.1.1 and AMQP SASL carry no text).
     */
    final class ConnectRefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        private final String reasonString;

        /** A refusal whose transport carried no reason text to this client. */
        public ConnectRefusedException(String seen) {
            this(seen, null);
        }

        public ConnectRefusedException(String seen, String reasonString) {
            super(seen);
            this.reasonString = reasonString;
        }

        public String reasonString() {
            return reasonString;
        }
    }
}
