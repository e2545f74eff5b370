package dev.relay.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.ClientTransport.Connection;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Relay client over any {@link ClientTransport}, written once: the life cycle ({@link ConnectionState}), connect and
 * reconnect with a fresh token after a jittered backoff, sends and their answers (including the {@code error} envelope
 * that refuses a send where the broker's answer cannot, SPEC §10.2), the optional outbox, system requests and receipt
 * waits, the relay key, and the verified inbox ({@link InboxDispatcher}). The device client (MQTT) and the agent client
 * (WebSocket gateway) are this plus a transport and a builder.
 *
 * <p><b>Connecting.</b> {@link #connect()} blocks for the first connection (and, without a pinned relay key, for the
 * {@code relay.info} answer that names it, SPEC §8.5) and throws if it fails; {@link #start()} returns at once and keeps
 * trying, for clients that must work offline. When a connection ends the client reconnects after a backoff unless the
 * transport calls the cause permanent (then it closes itself; {@link #closeCause()} says why).
 *
 * <p><b>Sending.</b> A send completes with the envelope id once the relay accepted it, or fails with the relay's code.
 * With an {@link ClientBuilder#outbox(Path) outbox} sends are on disk first and wait there while disconnected; without one,
 * a send while disconnected fails with {@code not_connected}. A send still unanswered when its connection ends fails with
 * {@code connection_lost} (sending the same envelope again is safe, SPEC §10.8), and so does a request whose send was
 * unanswered; a request the relay accepted keeps waiting for its answer, which queues in the inbox.
 *
 * <p><b>Receiving.</b> Only envelopes that pass SPEC §3.8 reach the {@link IncomingHandler}, one at a time on one
 * thread; a delivery is acknowledged when the handler returns. If it throws, the client ends the connection and
 * reconnects (backing off while the handler keeps failing), so that the broker delivers the message again.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Futures complete on internal threads: chain blocking work with the
 * {@code *Async} methods of {@link CompletableFuture}. The state listener runs under the client's lock: keep it short.
 */
public abstract class ClientCore implements RelayClient {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);

    private final RelayKeyPair key;
    private final ClientTransport transport;
    private final String kind;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final boolean reconnect;
    private final Consumer<ConnectionState> stateListener;
    private final PendingRequests requests = new PendingRequests();
    private final PendingReceipts receipts = new PendingReceipts();
    private final RelayKeyTrust trust;
    private final Backoff backoff;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService handlerThread;
    /** The application's handler when the client reconnects; while its last message failed, reconnects back off. */
    private final RedeliveringHandler application;
    private final PendingSends sends;
    private final InboxDispatcher inbox;
    private final Object lifecycle = new Object();
    private volatile ConnectionState state = ConnectionState.NEW; // written under lifecycle
    private volatile Connection connection; // written under lifecycle; null while there is none
    private volatile boolean sessionPresent;
    private volatile RelayClientException closeCause;

    /**
     * @param kind what the client is called in messages and thread names, e.g. {@code device}
     */
    protected ClientCore(ClientBuilder<?> builder, ClientTransport transport, String kind) {
        this.key = builder.key;
        this.transport = transport;
        this.kind = kind;
        this.requestTimeout = builder.requestTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.reconnect = builder.reconnect;
        this.stateListener = builder.stateListener;
        this.trust = new RelayKeyTrust(builder.relayKey);
        this.backoff = new Backoff(builder.backoffMin, builder.backoffMax,
                () -> ThreadLocalRandom.current().nextDouble());
        this.scheduler = new ScheduledThreadPoolExecutor(1, ClientSupport.daemonThreads("relay-" + kind + "-timer"));
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setRemoveOnCancelPolicy(true);
        this.handlerThread = Executors.newSingleThreadExecutor(
                ClientSupport.daemonThreads("relay-" + kind + "-handler"));
        // With reconnects off, a handler failure leaves the message for the next connection the application makes.
        this.application = builder.handler == null || !reconnect ? null
                : new RedeliveringHandler(builder.handler, this::endConnectionForRedelivery);
        String offlineHint = builder.outbox == null ? "; configure an outbox to send offline" : "";
        this.sends = new PendingSends(builder.outbox, builder.refusalWindow, scheduler, () -> connection,
                () -> new RelayClientException(RelayClientException.NOT_CONNECTED, "no connection to "
                        + transport.endpoint() + " (state " + state + ")" + offlineHint));
        InboxDispatcher dispatcher = new InboxDispatcher(key.keyId(), trust, requests, receipts,
                application != null ? application : builder.handler, handlerThread,
                envelope -> new Incoming(this, envelope), System::currentTimeMillis);
        dispatcher.onDiscard(builder.discardListener);
        dispatcher.onSendRefusal(sends::refusalArrived);
        this.inbox = dispatcher;
    }

    // ---------------------------------------------------------------- life cycle

    /**
     * Connects, blocking until the first connection is up (and, without a pinned relay key, the {@code relay.info}
     * answer is in). Called once. If it throws, the client is closed; build a new one to try again.
     *
     * @throws RelayClientException with the refusal's code, e.g. {@code bad_credentials}, {@code replay},
     *                              {@code connect_failed} or {@code timeout}
     */
    public ClientCore connect() throws RelayClientException {
        beginLife(ConnectionState.CONNECTING);
        RelayClientException failure;
        try {
            open().get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return this;
        } catch (RelayClientException e) {
            failure = e;
        } catch (ExecutionException e) {
            failure = asClientException(e.getCause());
        } catch (TimeoutException e) {
            failure = new RelayClientException(RelayClientException.TIMEOUT, "no relay.info answer within "
                    + requestTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new RelayClientException(RelayClientException.CLOSED, "interrupted while connecting");
        }
        shutDown(failure);
        throw failure;
    }

    /**
     * Starts connecting in the background and returns at once: the client keeps trying with backoff until a connection
     * is up, and sends made meanwhile wait in the outbox. Called once, instead of {@link #connect()}.
     */
    public ClientCore start() {
        beginLife(ConnectionState.RECONNECTING);
        scheduler.execute(this::reconnectAttempt);
        return this;
    }

    private void beginLife(ConnectionState first) {
        synchronized (lifecycle) {
            if (state != ConnectionState.NEW) {
                throw new IllegalStateException("connect() or start() was already called (state " + state + ")");
            }
            setState(first);
        }
    }

    /**
     * Opens one connection and makes it current, starts its inbox, then learns the relay key (unless pinned) and
     * flushes the outbox. Returns the relay-key step.
     */
    private CompletableFuture<?> open() throws RelayClientException {
        ConnectionListener listener = new ConnectionListener();
        Connection attempt = transport.newConnection(listener);
        listener.connection = attempt;
        boolean present;
        try {
            present = attempt.connect(this::token, connectTimeout);
        } catch (RelayClientException e) {
            attempt.close();
            throw e;
        }
        RelayClientException unusable = null;
        synchronized (lifecycle) {
            if (state == ConnectionState.CLOSED) {
                unusable = new RelayClientException(RelayClientException.CLOSED, "the " + kind + " was closed");
            } else if (listener.lostCause != null) { // it ended before it became current, so no one else saw that
                unusable = listener.lostCause;
            } else {
                // Current before the inbox starts: a resumed session delivers queued messages at once, and a handler
                // that answers one (a receipt, a reply) must find a connection to send on.
                connection = attempt;
                sessionPresent = present;
            }
        }
        if (unusable == null) {
            try {
                attempt.subscribeInbox(connectTimeout);
            } catch (RelayClientException e) {
                unusable = e;
            }
        }
        synchronized (lifecycle) {
            if (unusable == null && (state == ConnectionState.CLOSED || connection != attempt)) {
                unusable = listener.lostCause != null ? listener.lostCause : new RelayClientException(
                        RelayClientException.CONNECTION_LOST, "the connection ended while it was being opened");
            }
            if (unusable != null) {
                if (connection == attempt) {
                    connection = null;
                }
            } else {
                if (application == null || !application.isFailing()) {
                    backoff.reset();
                }
                setState(ConnectionState.CONNECTED);
            }
        }
        if (unusable != null) {
            attempt.close();
            throw unusable;
        }
        LOG.info("Connected to {} as {} (session present: {})", transport.endpoint(), key.keyId(), present);
        // The relay key first: refusals of outbox envelopes can arrive as error envelopes signed with it.
        // Until then an error envelope cannot be verified and would be discarded, so the outbox waits for the key.
        CompletableFuture<?> learned = trust.relayKey() != null ? CompletableFuture.completedFuture(null) : relayInfo();
        learned.thenRun(sends::flush);
        return learned;
    }

    private ConnectToken token(String realm, byte[] nonce) throws RelayClientException {
        try {
            long now = System.currentTimeMillis() / 1000;
            return nonce == null ? ConnectToken.create(key, realm, now) : ConnectToken.create(key, realm, now, nonce);
        } catch (RelayException e) {
            throw RelayClientException.of(e);
        }
    }

    private final class ConnectionListener implements ClientTransport.Listener {
        private volatile Connection connection;
        private volatile RelayClientException lostCause;

        @Override
        public void delivered(byte[] envelope, Runnable ack) {
            inbox.onDelivery(envelope, ack);
        }

        @Override
        public void lost(RelayClientException cause) {
            lostCause = cause;
            connectionLost(connection, cause);
        }
    }

    private void connectionLost(Connection ended, RelayClientException cause) {
        boolean again;
        synchronized (lifecycle) {
            if (ended == null || connection != ended) {
                return; // an attempt that never became current: open() reports its failure
            }
            connection = null;
            if (state != ConnectionState.CONNECTED) {
                return; // open() is still at work on it and reports the failure itself
            }
            again = reconnect && transport.shouldReconnect(cause);
            if (again) {
                LOG.warn("Connection to {} lost ({}); reconnecting", transport.endpoint(), cause.getMessage());
                setState(ConnectionState.RECONNECTING);
            }
        }
        ended.close();
        sends.connectionLost(cause);
        if (again) {
            scheduleReconnect();
        } else {
            LOG.error("Connection to {} ended ({}); not reconnecting", transport.endpoint(), cause.getMessage());
            shutDown(cause);
        }
    }

    /** After a handler failure: a new connection makes the broker deliver the unacknowledged message again. */
    private void endConnectionForRedelivery(String reason) {
        Connection current = connection;
        if (current == null) {
            return; // already reconnecting: the message comes again on the next connection anyway
        }
        endConnection(current, new RelayClientException(RedeliveringHandler.HANDLER_FAILED, reason));
    }

    /** Ends {@code ended} as if the transport had lost it, so that the client connects again. */
    private void endConnection(Connection ended, RelayClientException cause) {
        try {
            scheduler.execute(() -> connectionLost(ended, cause));
        } catch (RejectedExecutionException closing) {
            LOG.debug("Not reconnecting ({}): the {} is closing", cause.getMessage(), kind);
        }
    }

    private void scheduleReconnect() {
        Duration delay = backoff.next();
        try {
            scheduler.schedule(this::reconnectAttempt, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("Not reconnecting: the {} is closing", kind);
        }
    }

    private void reconnectAttempt() {
        if (state != ConnectionState.RECONNECTING) {
            return;
        }
        try {
            CompletableFuture<?> learned = open();
            Connection opened = connection;
            learned.exceptionally(failure -> {
                // Without the relay key no answer of the relay can be verified: this connection is of no use.
                LOG.warn("No relay.info answer from {} ({}); connecting again", transport.endpoint(), failure.toString());
                endConnection(opened, new RelayClientException(RelayClientException.TIMEOUT,
                        "no relay.info answer: " + failure.getMessage()));
                return null;
            });
        } catch (RelayClientException e) {
            if (state != ConnectionState.RECONNECTING) {
                return;
            }
            if (reconnect && transport.shouldReconnect(e)) {
                LOG.warn("Connecting to {} failed ({}); trying again after a backoff", transport.endpoint(),
                        e.getMessage());
                scheduleReconnect();
            } else {
                LOG.error("Connecting to {} refused ({}); giving up", transport.endpoint(), e.getMessage());
                shutDown(e);
            }
        }
    }

    /**
     * Closes the connection (a lasting broker session stays, so messages keep queueing) and releases the threads.
     * Pending sends and requests fail with {@code closed}; the outbox keeps what it holds for the next run. Idempotent.
     */
    @Override
    public void close() {
        shutDown(null);
    }

    private void shutDown(RelayClientException cause) {
        Connection last;
        synchronized (lifecycle) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            closeCause = cause;
            last = connection;
            connection = null;
            setState(ConnectionState.CLOSED);
        }
        if (last != null) {
            last.close();
        }
        RelayClientException closed = new RelayClientException(RelayClientException.CLOSED, "the " + kind
                + " was closed" + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause);
        requests.failAll(closed);
        sends.closed(closed);
        handlerThread.shutdown();
        scheduler.shutdown();
        transport.release();
    }

    private void setState(ConnectionState next) {
        state = next;
        ClientSupport.announce(lifecycle, next, stateListener, LOG);
    }

    /** Waits until the client is connected; false if it did not happen within {@code timeout} or the client closed. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return ClientSupport.awaitState(lifecycle, () -> state, ConnectionState.CONNECTED, ConnectionState.CLOSED,
                timeout);
    }

    public ConnectionState state() {
        return state;
    }

    public boolean isConnected() {
        return state == ConnectionState.CONNECTED;
    }

    /** Whether the last connection resumed a broker session (messages queued meanwhile then follow). */
    public boolean sessionPresent() {
        return sessionPresent;
    }

    /** Why the client closed itself (a refusal that needs a change, a failed first connect), else empty. */
    public Optional<RelayClientException> closeCause() {
        return Optional.ofNullable(closeCause);
    }

    /** The relay key that response and error envelopes must be signed by: pinned, or learned on first use. */
    public Optional<KeyId> relayKey() {
        return Optional.ofNullable(trust.relayKey());
    }

    /** Envelopes in the outbox not yet accepted by the relay (0 without an outbox). */
    public int outboxSize() {
        return sends.outboxSize();
    }

    @Override
    public KeyId keyId() {
        return key.keyId();
    }

    /** How long a system request may wait for its answer. */
    protected Duration requestTimeout() {
        return requestTimeout;
    }

    /** The current connection, or null while there is none: for a transport's own extras (e.g. a ping). */
    protected Connection currentConnection() {
        return connection;
    }

    // ---------------------------------------------------------------- sending

    /**
     * {@inheritDoc} With an outbox it is on disk before this returns, and waits there while disconnected. An envelope
     * signed by another key is refused here ({@code sender_mismatch}): the relay would refuse it too.
     */
    @Override
    public CompletableFuture<String> send(Envelope envelope) {
        if (!envelope.from().equals(key.keyId().toString())) {
            return CompletableFuture.failedFuture(new RelayClientException(ErrorCode.SENDER_MISMATCH.code(),
                    "the envelope is signed by " + envelope.from() + ", not by this " + kind));
        }
        if (state == ConnectionState.CLOSED) {
            return CompletableFuture.failedFuture(new RelayClientException(RelayClientException.CLOSED,
                    "the " + kind + " was closed"));
        }
        return sends.send(envelope, true);
    }

    @Override
    public CompletableFuture<String> send(Envelope.Builder envelope) {
        try {
            return send(envelope.sign(key));
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(RelayClientException.of(e));
        }
    }

    @Override
    public CompletableFuture<String> receipt(Envelope original, String status) {
        try {
            return send(Receipt.create(key, original, status));
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(RelayClientException.of(e));
        }
    }

    @Override
    public CompletableFuture<Receipt> awaitReceipt(Envelope sent, Duration timeout) {
        return receipts.register(sent, timeout);
    }

    /**
     * {@inheritDoc} Requests bypass the outbox: an answer that comes after the process restarted would reach no one.
     */
    @Override
    public CompletableFuture<JsonNode> request(SystemOp op, Map<String, ?> args) {
        Envelope request;
        try {
            request = SystemRequest.envelope(key, op, args);
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(RelayClientException.of(e));
        }
        CompletableFuture<JsonNode> answer = requests.register(request, op, requestTimeout);
        if (state == ConnectionState.CLOSED) {
            requests.fail(request.id(), new RelayClientException(RelayClientException.CLOSED, "the " + kind
                    + " was closed"));
            return answer;
        }
        sends.send(request, false).whenComplete((id, failure) -> {
            if (failure != null) {
                requests.fail(request.id(), failure);
            }
        });
        return answer;
    }

    private static RelayClientException asClientException(Throwable failure) {
        return failure instanceof RelayClientException known ? known
                : new RelayClientException(ErrorMapping.INTERNAL, String.valueOf(failure), failure);
    }
}
