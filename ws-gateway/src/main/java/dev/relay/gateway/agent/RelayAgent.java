package dev.relay.gateway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.Backoff;
import dev.relay.client.ClientSupport;
import dev.relay.client.Incoming;
import dev.relay.client.InboxDispatcher;
import dev.relay.client.IncomingHandler;
import dev.relay.client.PendingReceipts;
import dev.relay.client.PendingRequests;
import dev.relay.client.RedeliveringHandler;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayClientException;
import dev.relay.client.RelayKeyTrust;
import dev.relay.gateway.agent.AgentFrames.Welcome;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.DeploymentException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.ClientProperties;
import org.glassfish.tyrus.container.grizzly.client.GrizzlyClientContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent on the Relay WebSocket gateway (SPEC §13): one identity, its inbox, and sends, system requests and replies.
 *
 * <pre>{@code
 * try (RelayAgent agent = RelayAgent.builder().uri(URI.create("ws://127.0.0.1:8081/relay/v1"))
 *         .keyFile(Path.of("agent.key")).expectedRealm("example-realm")
 *         .onMessage(in -> in.reply("you said: " + in.text())).build().connect()) {
 *     agent.message(friend, "text/plain", "hello".getBytes(UTF_8)).get();
 * }
 * }</pre>
 *
 * <p><b>Delivery.</b> Every {@code message} frame is verified as SPEC §3.8 requires (strict parse, addressed to this
 * agent, signature, relay key for {@code response}/{@code error}, expiry, de-duplication on (from, id)); envelopes that
 * fail are discarded with a warning and acknowledged. The rest go to the {@link IncomingHandler} on one dedicated
 * thread and are acknowledged when it returns; if it throws, the delivery stays unacknowledged and the agent ends the
 * connection and reconnects (backing off while the handler keeps failing), so it comes again. Answers to pending
 * {@link #request} calls complete those instead of reaching the handler.
 *
 * <p><b>Relay key.</b> Pin it with {@link Builder#relayKey}. Without a pin, {@link #connect()} asks {@code relay.info}
 * and trusts the key that signs the answer and names itself there (trust on first use, SPEC §8.5), for the agent's
 * life.
 *
 * <p><b>Reconnects.</b> When a connection ends for a transient reason (SPEC §13.6: 1001, 1006, 1011, 1012, 1013, 4408,
 * 4508, a 4401 other than a bad key/client id/credentials, or a transport failure), the agent reconnects with a fresh
 * token after a jittered exponential backoff. Pending sends fail with {@link AgentException#CONNECTION_LOST} (sending
 * the same envelope again is safe: the relay drops duplicates); pending requests keep waiting, as their answers queue
 * in the inbox. After a refusal that needs a change (wrong key or realm, 4409 taken over, 4429 too many sessions) the
 * agent closes itself; {@link #closeCause()} says why.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Futures complete on internal threads (mostly the WebSocket I/O
 * thread): chain blocking work with the {@code *Async} methods of {@link CompletableFuture}. The state listener is
 * called on the thread that changed the state, under the agent's lock: keep it short.
 */
public final class RelayAgent implements RelayClient {
    private static final Logger LOG = LoggerFactory.getLogger(RelayAgent.class);
    // The gateway answers every send within 30 s itself (internal); the local timeout only guards against a stuck one.
    private static final Duration SEND_TIMEOUT_MARGIN = Duration.ofSeconds(5);

    private final URI uri;
    private final RelayKeyPair key;
    private final String expectedRealm;
    private final String sessionSuffix;
    private final boolean transientSession;
    private final boolean reconnect;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final Consumer<AgentState> stateListener;
    private final ClientManager client = ClientManager.createClient(GrizzlyClientContainer.class.getName());
    private final ClientEndpointConfig endpointConfig = ClientEndpointConfig.Builder.create()
            .preferredSubprotocols(List.of(AgentFrames.SUBPROTOCOL)).build();
    private final ScheduledThreadPoolExecutor scheduler; // reconnect timers and keep-alive pings
    private final ExecutorService handlerThread;
    private final ThreadFactory writerThreads = ClientSupport.daemonThreads("relay-agent-writer");
    private final PendingRequests requests = new PendingRequests();
    private final PendingReceipts receipts = new PendingReceipts();
    private final RelayKeyTrust trust;
    private final InboxDispatcher inbox;
    private final Backoff backoff;
    private final AtomicLong refs = new AtomicLong();
    private final GatewayConnection.Listener connectionListener = new GatewayConnection.Listener() {
        @Override
        public void onDelivery(GatewayConnection connection, long delivery, String envelopeJson) {
            inbox.onDelivery(envelopeJson.getBytes(StandardCharsets.UTF_8), () -> connection.ack(delivery));
        }

        @Override
        public void onClosed(GatewayConnection connection, AgentException cause) {
            connectionEnded(connection, cause);
        }
    };
    private final Object lifecycle = new Object();
    private volatile AgentState state = AgentState.NEW; // written under lifecycle
    private volatile GatewayConnection connection; // written under lifecycle; null while there is none
    private volatile Welcome welcome;
    private volatile AgentException closeCause;
    /** The application's handler when the agent reconnects; while its last message failed, reconnects back off. */
    private final RedeliveringHandler application;

    private RelayAgent(Builder builder) {
        this.uri = builder.uri;
        this.key = builder.key;
        this.expectedRealm = builder.expectedRealm;
        this.sessionSuffix = builder.session;
        this.transientSession = builder.transientSession;
        this.reconnect = builder.reconnect;
        this.requestTimeout = builder.requestTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.stateListener = builder.stateListener;
        this.trust = new RelayKeyTrust(builder.relayKey);
        this.backoff = new Backoff(builder.backoffMin, builder.backoffMax, () -> ThreadLocalRandom.current().nextDouble());
        this.scheduler = new ScheduledThreadPoolExecutor(1, ClientSupport.daemonThreads("relay-agent-timer"));
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setRemoveOnCancelPolicy(true);
        this.handlerThread = Executors.newSingleThreadExecutor(ClientSupport.daemonThreads("relay-agent-handler"));
        // With reconnects off, a handler failure leaves the message for the next connection the application makes.
        this.application = builder.handler == null || !reconnect ? null
                : new RedeliveringHandler(builder.handler, this::endConnectionForRedelivery);
        this.inbox = new InboxDispatcher(key.keyId(), trust, requests, receipts,
                application != null ? application : builder.handler, handlerThread,
                envelope -> new Incoming(this, envelope), System::currentTimeMillis);
        client.getProperties().put(ClientProperties.HANDSHAKE_TIMEOUT, (int) connectTimeout.toMillis());
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
    public RelayAgent connect() throws AgentException {
        synchronized (lifecycle) {
            if (state != AgentState.NEW) {
                throw new IllegalStateException("connect() was already called (state " + state + ")");
            }
            setState(AgentState.CONNECTING);
        }
        try {
            open();
            if (trust.relayKey() == null) {
                await(relayInfo());
            }
            return this;
        } catch (AgentException e) {
            shutDown(e);
            throw e;
        }
    }

    /** Opens one connection and makes it the current one. */
    private void open() throws AgentException {
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        GatewayConnection attempt = new GatewayConnection(key, expectedRealm, sessionSuffix, transientSession,
                writerThreads, scheduler,
                refs, requestTimeout.plus(SEND_TIMEOUT_MARGIN), connectionListener);
        Welcome welcomed;
        try {
            client.connectToServer(attempt, endpointConfig, uri);
            welcomed = attempt.awaitWelcome(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (DeploymentException | IOException e) {
            throw new AgentException(AgentException.CONNECT_FAILED, "WebSocket handshake with " + uri + " failed: "
                    + e.getMessage(), e);
        } catch (AgentException e) {
            attempt.abort(e); // e.g. the auth frame could not be written: do not leave the socket open
            throw e;
        }
        synchronized (lifecycle) {
            if (state == AgentState.CLOSED) {
                AgentException closed = new AgentException(AgentException.CLOSED, "the agent was closed");
                attempt.abort(closed);
                throw closed;
            }
            if (attempt.isClosed()) { // it ended before it became current, so no one else saw that
                throw attempt.closeCause();
            }
            connection = attempt;
            welcome = welcomed;
            if (application == null || !application.isFailing()) {
                backoff.reset();
            }
            setState(AgentState.CONNECTED);
        }
        LOG.info("Connected to {} as {} (session present: {})", uri, welcomed.clientId(), welcomed.sessionPresent());
    }

    private void connectionEnded(GatewayConnection ended, AgentException cause) {
        synchronized (lifecycle) {
            if (connection != ended) {
                return; // an attempt that never became current; open() reports its failure
            }
            connection = null;
            if (state == AgentState.CLOSED) {
                return;
            }
            if (reconnect && ReconnectPolicy.shouldReconnect(cause)) {
                LOG.warn("Connection to {} lost ({}); reconnecting", uri, cause.getMessage());
                setState(AgentState.RECONNECTING);
                scheduleReconnect();
                return;
            }
        }
        LOG.error("Connection to {} ended ({}); not reconnecting", uri, cause.getMessage());
        shutDown(cause);
    }

    /** After a handler failure: a new connection makes the gateway deliver the unacknowledged message again. */
    private void endConnectionForRedelivery(String reason) {
        GatewayConnection current = connection;
        if (current == null) {
            return; // already reconnecting: the message comes again on the next connection anyway
        }
        try {
            scheduler.execute(() -> current.abort(new AgentException(RedeliveringHandler.HANDLER_FAILED, reason)));
        } catch (RejectedExecutionException closing) {
            LOG.debug("Not reconnecting after the handler failure: the agent is closing");
        }
    }

    private void scheduleReconnect() {
        Duration delay = backoff.next();
        try {
            scheduler.schedule(this::reconnectAttempt, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("Not reconnecting: the agent is closing");
        }
    }

    private void reconnectAttempt() {
        if (state != AgentState.RECONNECTING) {
            return;
        }
        try {
            open();
        } catch (AgentException e) {
            synchronized (lifecycle) {
                if (state != AgentState.RECONNECTING) {
                    return;
                }
                if (ReconnectPolicy.shouldReconnect(e)) {
                    LOG.warn("Reconnecting to {} failed ({}); trying again", uri, e.getMessage());
                    scheduleReconnect();
                    return;
                }
            }
            LOG.error("Reconnecting to {} refused ({}); giving up", uri, e.getMessage());
            shutDown(e);
        }
    }

    /** Closes the connection (code 1000) and releases the threads. Pending sends and requests fail. Idempotent. */
    @Override
    public void close() {
        shutDown(null);
    }

    private void shutDown(AgentException cause) {
        GatewayConnection last;
        synchronized (lifecycle) {
            if (state == AgentState.CLOSED) {
                return;
            }
            closeCause = cause;
            last = connection;
            connection = null;
            setState(AgentState.CLOSED);
        }
        AgentException closed = new AgentException(AgentException.CLOSED, "the agent was closed"
                + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause);
        if (last != null) {
            last.abort(closed);
        }
        requests.failAll(closed);
        handlerThread.shutdown();
        scheduler.shutdown();
        client.shutdown();
    }

    private void setState(AgentState next) {
        state = next;
        ClientSupport.announce(lifecycle, next, stateListener, LOG);
    }

    /** Waits until the agent is connected; false if it did not happen within {@code timeout} or the agent closed. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return ClientSupport.awaitState(lifecycle, () -> state, AgentState.CONNECTED, AgentState.CLOSED, timeout);
    }

    public boolean isConnected() {
        return state == AgentState.CONNECTED;
    }

    public AgentState state() {
        return state;
    }

    /** Why the agent closed itself (a permanent refusal), or empty while open or after {@link #close()}. */
    public Optional<AgentException> closeCause() {
        return Optional.ofNullable(closeCause);
    }

    @Override
    public KeyId keyId() {
        return key.keyId();
    }

    /** The last {@code welcome}, or null before the first connection. */
    public Welcome welcome() {
        return welcome;
    }

    /** Whether the last connection resumed a broker session (queued messages then follow). */
    public boolean sessionPresent() {
        Welcome last = welcome;
        return last != null && last.sessionPresent();
    }

    /** The relay key that response and error envelopes must be signed by: pinned, or learned on first use. */
    public Optional<KeyId> relayKey() {
        return Optional.ofNullable(trust.relayKey());
    }

    /** {@inheritDoc} Also fails with {@code connection_lost} or {@code not_connected}. */
    @Override
    public CompletableFuture<String> send(Envelope envelope) {
        GatewayConnection current = connection;
        if (current == null) {
            return CompletableFuture.failedFuture(new AgentException(AgentException.NOT_CONNECTED,
                    "no connection to the gateway (state " + state + ")"));
        }
        return current.send(envelope.toJson());
    }

    @Override
    public CompletableFuture<String> send(Envelope.Builder envelope) {
        try {
            return send(envelope.sign(key));
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(AgentException.of(e));
        }
    }

    @Override
    public CompletableFuture<String> receipt(Envelope original, String status) {
        try {
            return send(Receipt.create(key, original, status));
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(AgentException.of(e));
        }
    }

    @Override
    public CompletableFuture<Receipt> awaitReceipt(Envelope sent, Duration timeout) {
        return receipts.register(sent, timeout);
    }

    @Override
    public CompletableFuture<JsonNode> request(SystemOp op, Map<String, ?> args) {
        Envelope request;
        try {
            request = SystemRequest.envelope(key, op, args);
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(AgentException.of(e));
        }
        CompletableFuture<JsonNode> answer = requests.register(request, op, requestTimeout);
        send(request).whenComplete((id, failure) -> {
            if (failure != null) {
                requests.fail(request.id(), failure);
            }
        });
        return answer;
    }

    /** Pings the gateway; completes with the round-trip time. */
    public CompletableFuture<Duration> ping() {
        GatewayConnection current = connection;
        if (current == null) {
            return CompletableFuture.failedFuture(new AgentException(AgentException.NOT_CONNECTED,
                    "no connection to the gateway (state " + state + ")"));
        }
        return current.ping(requestTimeout);
    }

    @Override
    public String toString() {
        return "RelayAgent[" + key.keyId() + " " + state + " " + uri + "]";
    }

    private static <T> T await(CompletableFuture<T> future) throws AgentException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RelayClientException failure ? AgentException.of(failure)
                    : new AgentException("internal", String.valueOf(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentException.CLOSED, "interrupted");
        }
    }

    /** Configures a {@link RelayAgent}; {@link #uri} and a key are required. */
    public static final class Builder {
        private URI uri;
        private RelayKeyPair key;
        private String expectedRealm;
        private String session;
        private boolean transientSession;
        private KeyId relayKey;
        private IncomingHandler handler;
        private Consumer<AgentState> stateListener = state -> { };
        private boolean reconnect = true;
        private Duration backoffMin = Duration.ofMillis(500);
        private Duration backoffMax = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /** The gateway, e.g. {@code ws://127.0.0.1:8081/relay/v1}. */
        public Builder uri(URI uri) {
            this.uri = uri;
            return this;
        }

        public Builder key(RelayKeyPair key) {
            this.key = key;
            return this;
        }

        /**
         * Loads the key file, or creates one (mode 0600) if there is none (SPEC §1.3).
         *
         * @throws UncheckedIOException     if the file cannot be read or written
         * @throws IllegalArgumentException if it is not a valid key file
         */
        public Builder keyFile(Path file) {
            return key(ClientSupport.loadOrCreateKey(file));
        }

        /** Refuses a gateway whose challenge names another realm (recommended, SPEC §13.2). */
        public Builder expectedRealm(String realm) {
            this.expectedRealm = realm;
            return this;
        }

        /** Session suffix: the client id becomes {@code <key id>.<suffix>} (default {@code ws}). */
        public Builder session(String suffix) {
            this.session = suffix;
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

        /** Pins the relay key that signs response and error envelopes (instead of trusting it on first use). */
        public Builder relayKey(KeyId relayKey) {
            this.relayKey = relayKey;
            return this;
        }

        /** Receives verified inbox envelopes; without one, they are acknowledged and dropped. */
        public Builder onMessage(IncomingHandler handler) {
            this.handler = handler;
            return this;
        }

        /** Observes state changes (called under the agent's lock: keep it short, do not block). */
        public Builder onStateChange(Consumer<AgentState> listener) {
            this.stateListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Whether to reconnect after transient failures (default true). */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /** Reconnect delays: uniform between {@code min} and a cap that doubles from min up to {@code max}. */
        public Builder backoff(Duration min, Duration max) {
            this.backoffMin = min;
            this.backoffMax = max;
            return this;
        }

        /** How long a system request may wait for its answer (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** How long opening a connection may take, handshake to {@code welcome} (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public RelayAgent build() {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(key, "key or keyFile");
            ClientSupport.requireValidSessionSuffix(key.keyId(), session);
            new Backoff(backoffMin, backoffMax, () -> 0); // validates the bounds now rather than at the first reconnect
            return new RelayAgent(this);
        }

        /** {@code build().connect()}. */
        public RelayAgent connect() throws AgentException {
            return build().connect();
        }
    }
}
