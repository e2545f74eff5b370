package dev.relay.agent;

import dev.relay.agent.AgentFrames.Welcome;
import dev.relay.client.ClientBuilder;
import dev.relay.client.ClientCore;
import dev.relay.client.IncomingHandler;
import dev.relay.client.RelayClientException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An agent on the Relay WebSocket gateway (SPEC §13): one identity, its inbox, and sends, system requests and replies.
 * Everything but the WebSocket itself is the shared {@link ClientCore}.
 *
 * <pre>{@code
 * try (RelayAgent agent = RelayAgent.builder().uri(URI.create("ws://127.0.0.1:8081/relay/v1"))
 *         .keyFile(Path.of("agent.key")).expectedRealm("example-realm")
 *         .onMessage(in -> in.reply("you said: " + in.text())).connect()) {
 *     agent.message(friend, "text/plain", "hello".getBytes(UTF_8)).get();
 * }
 * }</pre>
 *
 * <p><b>Connecting.</b> The gateway challenges, the agent answers with a fresh connect token over the challenge's nonce
 * (SPEC §13.2), and the gateway opens the agent's own broker session. {@link #connect()} blocks until the
 * {@code welcome} (and, without a {@link Builder#relayKey pinned} relay key, the {@code relay.info} answer whose signer
 * names itself there: trust on first use, SPEC §8.5).
 *
 * <p><b>Delivery.</b> Every {@code message} frame is verified as SPEC §3.8 requires (strict parse, addressed to this
 * agent, signature, relay key for {@code response}/{@code error}, expiry, de-duplication on (from, id)); envelopes that
 * fail are discarded with a warning and acknowledged. The rest go to the {@link IncomingHandler} on one dedicated
 * thread and are acknowledged when it returns; if it throws, the delivery stays unacknowledged and the agent ends the
 * connection and reconnects (backing off while the handler keeps failing), so it comes again.
 *
 * <p><b>Reconnects.</b> When a connection ends for a transient reason (SPEC §13.6: 1001, 1006, 1011, 1012, 1013, 4408,
 * 4508, a 4401 other than a bad key/client id/credentials, or a transport failure), the agent reconnects with a fresh
 * token after a jittered exponential backoff. Pending sends fail with {@code connection_lost} (sending the same envelope
 * again is safe: the relay drops duplicates); pending requests keep waiting, as their answers queue in the inbox. After
 * a refusal that needs a change (wrong key or realm, 4409 taken over, 4429 too many sessions) the agent closes itself;
 * {@link #closeCause()} says why (an {@link AgentException} with the close code).
 *
 * <p><b>Threads.</b> All methods are thread-safe. Futures complete on internal threads (mostly the WebSocket I/O
 * thread): chain blocking work with the {@code *Async} methods of {@link CompletableFuture}.
 */
public final class RelayAgent extends ClientCore {
    private final WebSocketTransport gateway;

    private RelayAgent(Builder builder, WebSocketTransport gateway) {
        super(builder, gateway, "agent");
        this.gateway = gateway;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects and authenticates, blocking until the gateway's {@code welcome} (and, without a pinned relay key, the
     * {@code relay.info} answer). Called once. If it throws, the agent is closed; build a new one to try again.
     *
     * @throws AgentException with the refusal's code, e.g. {@code replay}, {@code bad_signature},
     *                        {@code too_many_sessions}, {@code connect_failed} or {@code timeout}
     */
    @Override
    public RelayAgent connect() throws AgentException {
        try {
            super.connect();
            return this;
        } catch (RelayClientException e) {
            throw AgentException.of(e);
        }
    }

    /** Connects in the background (see {@link ClientCore#start()}); for agents with an outbox. */
    @Override
    public RelayAgent start() {
        super.start();
        return this;
    }

    /** The last {@code welcome}, or null before the first connection. */
    public Welcome welcome() {
        return gateway.lastWelcome();
    }

    /** Pings the gateway; completes with the round-trip time. */
    public CompletableFuture<Duration> ping() {
        GatewayConnection current = (GatewayConnection) currentConnection();
        if (current == null) {
            return CompletableFuture.failedFuture(new AgentException(AgentException.NOT_CONNECTED,
                    "no connection to the gateway (state " + state() + ")"));
        }
        return current.ping(requestTimeout());
    }

    @Override
    public String toString() {
        return "RelayAgent[" + keyId() + " " + state() + " " + gateway.endpoint() + "]";
    }

    /** Configures a {@link RelayAgent}; {@link #uri} and a key are required. */
    public static final class Builder extends ClientBuilder<Builder> {
        private URI uri;
        private String expectedRealm;
        private boolean transientSession;

        private Builder() {
            super(Duration.ofMillis(500), Duration.ofSeconds(30));
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The gateway, e.g. {@code ws://127.0.0.1:8081/relay/v1}. */
        public Builder uri(URI uri) {
            this.uri = uri;
            return this;
        }

        /** Refuses a gateway whose challenge names another realm (recommended, SPEC §13.2). */
        public Builder expectedRealm(String realm) {
            this.expectedRealm = realm;
            return this;
        }

        /**
         * Asks the gateway for a transient broker session (SPEC §13.3): clean at the start and gone when the
         * connection ends, so nothing queues for it. For short-lived tools; an agent that must not miss messages keeps
         * the default persistent session.
         */
        public Builder transientSession(boolean transientSession) {
            this.transientSession = transientSession;
            return this;
        }

        public RelayAgent build() {
            Objects.requireNonNull(uri, "uri");
            validate(Duration.ofSeconds(5)); // error frames name their code: the window is never waited for
            return new RelayAgent(this, new WebSocketTransport(uri, key().keyId(), expectedRealm, session(),
                    transientSession, requestTimeout(), connectTimeout()));
        }

        /** {@code build().connect()}. */
        public RelayAgent connect() throws AgentException {
            return build().connect();
        }
    }
}
