package dev.relay.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.client.Backoff;
import dev.relay.client.ClientSupport;
import dev.relay.client.Incoming;
import dev.relay.client.IncomingHandler;
import dev.relay.client.InboxDispatcher;
import dev.relay.client.PendingReceipts;
import dev.relay.client.PendingRequests;
import dev.relay.client.RedeliveringHandler;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayClientException;
import dev.relay.client.RelayKeyTrust;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Json;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.SocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device on Relay over MQTT (Eclipse Paho; MQTT 5 by default, 3.1.1 on request): one identity, its inbox, sends,
 * replies, receipts and system requests.
 *
 * <pre>{@code
 * try (RelayDevice fan = RelayDevice.builder()
 *         .serverUri("tcp://127.0.0.1:1883").realm("home").keyFile(Path.of("fan.key"))
 *         .outbox(Path.of("fan.outbox"))
 *         .onMessage(in -> { switchFan(in.text()); in.receipt("delivered"); })
 *         .connect()) {
 *     fan.message(controller, "text/plain", "fan is on".getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <p><b>Connecting.</b> Every connect and reconnect uses a fresh connect token (SPEC §2.2: username = key id, password =
 * token), client id = key id (or {@code <key id>.<session>}), clean start 0 with a 7-day session expiry (§2.7), then a
 * QoS 1 subscription to the own inbox. {@link #connect()} blocks for the first connection and throws if it fails;
 * {@link #start()} returns at once and keeps trying, for devices that must work offline.
 *
 * <p><b>Reconnects.</b> When the connection drops the device reconnects by itself after a jittered exponential backoff
 * (Paho's own reconnect is off: it would re-send a used token, and its delay setting is ignored).
 *
 * <p><b>Receiving.</b> Only envelopes that pass SPEC §3.8 (strict parse, addressed to this device, signature, relay key
 * for {@code response}/{@code error}, not expired, not a duplicate) reach the {@link IncomingHandler}, one at a time on
 * one thread; the delivery is acknowledged when the handler returns. If the handler throws, the device does what Paho
 * does: it ends the connection and reconnects after its backoff (growing while the handler keeps failing), and the
 * broker delivers the message again. Without that, HiveMQ would hold back every later message behind the
 * unacknowledged one until some other reconnect.
 * Envelopes that fail are acknowledged and logged, and reported to {@link Builder#onDiscard} unless they are duplicates
 * (normal with at-least-once delivery).
 *
 * <p><b>Sending.</b> {@link #send} completes with the envelope id once the relay accepted it, or fails with the relay's
 * code. With an {@link Builder#outbox(Path) outbox} file, sends are written to disk first and survive both offline
 * periods and a restart of the process: they go out, in order, as soon as a connection is up, and none is delivered
 * twice. Without one, a send while disconnected fails with {@code not_connected}. On MQTT 3.1.1 (and with relays
 * that put no reason string on the PUBACK) a refusal comes back as an {@code error} envelope, so the result waits up to
 * {@link Builder#refusalWindow} for one.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Futures complete on internal threads: chain blocking work with the
 * {@code *Async} methods of {@link CompletableFuture}.
 */
public final class RelayDevice implements RelayClient {
    private static final Logger LOG = LoggerFactory.getLogger(RelayDevice.class);
    /** SPEC §2.7: devices keep their session for 7 days, matching the default TTL. */
    public static final Duration DEFAULT_SESSION_EXPIRY = Duration.ofDays(7);

    private final String serverUri;
    private final RelayKeyPair key;
    private final String realm;
    private final MqttVersion version;
    private final String clientId;
    private final Duration sessionExpiry;
    private final int keepAliveSeconds;
    private final SocketFactory socketFactory;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final Duration refusalWindow;
    private final Consumer<DeviceState> stateListener;
    private final Outbox outbox;
    private final PendingRequests requests = new PendingRequests();
    private final PendingReceipts receipts = new PendingReceipts();
    private final RelayKeyTrust trust;
    private final InboxDispatcher inbox;
    private final Backoff backoff;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService handlerThread;
    /** The application's handler (or null); while its last message failed, reconnects keep backing off. */
    private final RedeliveringHandler application;
    /** Results of sends made by this process, by envelope id (outbox entries from an earlier run have none). */
    private final Map<String, CompletableFuture<String>> results = new ConcurrentHashMap<>();
    /** Sent envelopes whose refusal may still come as an error envelope (see refusalWindow), by id. */
    private final Map<String, Envelope> awaitingRefusal = new ConcurrentHashMap<>();
    /** Outbox envelopes published on the current connection and not yet answered. */
    private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private volatile DeviceState state = DeviceState.NEW; // written under lifecycle
    private volatile MqttSession session; // written under lifecycle; null while disconnected
    private volatile boolean sessionPresent;
    private volatile long flushPausedUntilMillis;

    private RelayDevice(Builder builder) {
        this.serverUri = builder.serverUri;
        this.key = builder.key;
        this.realm = builder.realm;
        this.version = builder.version;
        this.clientId = builder.session == null ? key.keyId().toString() : key.keyId() + "." + builder.session;
        this.sessionExpiry = builder.sessionExpiry;
        this.keepAliveSeconds = builder.keepAliveSeconds;
        this.socketFactory = builder.socketFactory;
        this.requestTimeout = builder.requestTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.refusalWindow = builder.refusalWindow;
        this.stateListener = builder.stateListener;
        this.outbox = builder.outbox;
        this.trust = new RelayKeyTrust(builder.relayKey);
        this.backoff = new Backoff(builder.backoffMin, builder.backoffMax,
                () -> ThreadLocalRandom.current().nextDouble());
        this.scheduler = new ScheduledThreadPoolExecutor(1, ClientSupport.daemonThreads("relay-device-timer"));
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setRemoveOnCancelPolicy(true);
        this.handlerThread = Executors.newSingleThreadExecutor(ClientSupport.daemonThreads("relay-device-handler"));
        this.application = builder.handler == null ? null
                : new RedeliveringHandler(builder.handler, this::endConnectionForRedelivery);
        this.inbox = new InboxDispatcher(key.keyId(), trust, requests, receipts,
                this::onIncoming, handlerThread,
                envelope -> new Incoming(this, envelope), System::currentTimeMillis);
        inbox.onDiscard(builder.discardListener);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects and subscribes, blocking until done (and, without a pinned relay key, until the {@code relay.info}
     * answer). Called once. If it throws, the device is closed; build a new one to try again.
     *
     * @throws RelayClientException with a code such as {@code bad_credentials}, {@code bad_client_id},
     *                              {@code forbidden}, {@code connect_failed} or {@code timeout}
     */
    public RelayDevice connect() throws RelayClientException {
        beginLife(DeviceState.CONNECTING);
        try {
            open().get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return this;
        } catch (RelayClientException e) {
            shutDown();
            throw e;
        } catch (ExecutionException e) {
            shutDown();
            throw e.getCause() instanceof RelayClientException failure ? failure
                    : new RelayClientException("internal", String.valueOf(e.getCause()), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            shutDown();
            throw new RelayClientException(RelayClientException.TIMEOUT, "no relay.info answer within " + requestTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown();
            throw new RelayClientException(RelayClientException.CLOSED, "interrupted while connecting");
        }
    }

    /**
     * Starts connecting in the background and returns at once: the device keeps trying with backoff until a connection
     * is up, and sends made meanwhile wait in the outbox. Called once, instead of {@link #connect()}.
     */
    public RelayDevice start() {
        beginLife(DeviceState.RECONNECTING);
        scheduler.execute(this::reconnectAttempt);
        return this;
    }

    private void beginLife(DeviceState first) {
        synchronized (lifecycle) {
            if (state != DeviceState.NEW) {
                throw new IllegalStateException("connect() or start() was already called (state " + state + ")");
            }
            setState(first);
        }
    }

    private CompletableFuture<?> learnRelayKey() {
        return trust.relayKey() != null ? CompletableFuture.completedFuture(null) : relayInfo();
    }

    /**
     * Opens one connection, subscribes to the inbox and makes it current; then learns the relay key (unless pinned)
     * and flushes the outbox. Returns the relay-key step.
     */
    private CompletableFuture<?> open() throws RelayClientException {
        MqttSession.Listener listener = new SessionListener();
        MqttSession attempt = version == MqttVersion.V5
                ? new PahoV5Session(serverUri, clientId, listener)
                : new PahoV3Session(serverUri, clientId, listener);
        ((SessionListener) listener).session = attempt;
        boolean present;
        try {
            present = attempt.connect(new MqttSession.ConnectRequest(key.keyId().toString(), freshToken(),
                    sessionExpiry.toSeconds(), keepAliveSeconds, connectTimeout, socketFactory));
        } catch (RelayClientException e) {
            attempt.close();
            throw e;
        }
        synchronized (lifecycle) {
            if (state == DeviceState.CLOSED) {
                attempt.close();
                throw new RelayClientException(RelayClientException.CLOSED, "the device was closed");
            }
            // Current before the SUBSCRIBE: a resumed session delivers queued messages at once, and a handler that
            // answers one (a receipt, a reply) must find a connection to send on.
            session = attempt;
            sessionPresent = present;
        }
        try {
            attempt.subscribe(Addressing.mqttInbox(key.keyId().toString()), connectTimeout);
        } catch (RelayClientException e) {
            synchronized (lifecycle) {
                if (session == attempt) {
                    session = null;
                }
            }
            attempt.close();
            throw e;
        }
        synchronized (lifecycle) {
            if (state == DeviceState.CLOSED || session != attempt) {
                throw new RelayClientException(RelayClientException.CONNECTION_LOST,
                        "the connection ended while subscribing");
            }
            if (application == null || !application.isFailing()) {
                backoff.reset();
            }
            setState(DeviceState.CONNECTED);
        }
        LOG.info("Connected to {} as {} (MQTT {}, session present: {})", serverUri, clientId,
                version == MqttVersion.V5 ? "5" : "3.1.1", present);
        // The relay key first: refusals of outbox envelopes arrive as error envelopes signed with it.
        CompletableFuture<?> learned = learnRelayKey();
        learned.whenComplete((result, failure) -> flushOutbox());
        return learned;
    }

    private String freshToken() throws RelayClientException {
        try {
            return ConnectToken.create(key, realm, System.currentTimeMillis() / 1000).password();
        } catch (RelayException e) {
            throw RelayClientException.of(e);
        }
    }

    private final class SessionListener implements MqttSession.Listener {
        private volatile MqttSession session;

        @Override
        public void arrived(byte[] payload, Runnable ack) {
            inbox.onDelivery(payload, ack);
        }

        @Override
        public void lost(RelayClientException cause) {
            connectionLost(session, cause);
        }
    }

    private void connectionLost(MqttSession ended, RelayClientException cause) {
        synchronized (lifecycle) {
            if (ended == null || session != ended) {
                return;
            }
            session = null;
            if (state == DeviceState.CLOSED) {
                return;
            }
            LOG.warn("Connection to {} lost ({}); reconnecting", serverUri, cause.getMessage());
            setState(DeviceState.RECONNECTING);
        }
        ended.close();
        inFlight.clear();
        // Sends without an outbox cannot be retried by the device: their callers learn the connection broke.
        results.forEach((id, result) -> {
            if (outbox == null || !outbox.contains(id)) {
                result.completeExceptionally(cause);
            }
        });
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        Duration delay = backoff.next();
        try {
            scheduler.schedule(this::reconnectAttempt, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("Not reconnecting: the device is closing");
        }
    }

    private void reconnectAttempt() {
        if (state != DeviceState.RECONNECTING) {
            return;
        }
        try {
            open().exceptionally(failure -> {
                LOG.warn("No relay.info answer from {}: {}", serverUri, failure.toString());
                return null;
            });
        } catch (RelayClientException e) {
            if (state != DeviceState.RECONNECTING) {
                return;
            }
            LOG.warn("Connecting to {} failed ({}); trying again after a backoff", serverUri, e.getMessage());
            scheduleReconnect();
        }
    }

    // ---- sending --------------------------------------------------------------------------------------------------

    /** {@inheritDoc} With an outbox it is on disk before this returns, and waits there while disconnected. */
    @Override
    public CompletableFuture<String> send(Envelope envelope) {
        if (!envelope.from().equals(key.keyId().toString())) {
            return CompletableFuture.failedFuture(new RelayClientException(ErrorCode.SENDER_MISMATCH.code(),
                    "the envelope is signed by " + envelope.from() + ", not by this device"));
        }
        if (state == DeviceState.CLOSED) {
            return CompletableFuture.failedFuture(new RelayClientException(RelayClientException.CLOSED,
                    "the device was closed"));
        }
        CompletableFuture<String> result = results.computeIfAbsent(envelope.id(), id -> new CompletableFuture<>());
        result.whenComplete((id, failure) -> results.remove(envelope.id(), result));
        if (outbox != null) {
            try {
                outbox.add(envelope);
            } catch (IOException e) {
                result.completeExceptionally(new RelayClientException("internal", "could not write the outbox "
                        + outbox.file() + ": " + e.getMessage(), e));
                return result;
            }
            // Only this envelope: the backlog goes out on (re)connect and after a rate-limit pause, so a send does not
            // walk the whole outbox.
            MqttSession current = session;
            if (current != null && flushPausedUntilMillis <= System.currentTimeMillis()
                    && inFlight.putIfAbsent(envelope.id(), Boolean.TRUE) == null) {
                publish(current, envelope);
            }
            return result;
        }
        MqttSession current = session;
        if (current == null) {
            result.completeExceptionally(new RelayClientException(RelayClientException.NOT_CONNECTED,
                    "no connection to " + serverUri + " (state " + state + "); configure an outbox to send offline"));
            return result;
        }
        publish(current, envelope);
        return result;
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

    @Override
    public CompletableFuture<JsonNode> request(SystemOp op, Map<String, ?> args) {
        Envelope request;
        try {
            request = SystemRequest.envelope(key, op, args);
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(RelayClientException.of(e));
        }
        CompletableFuture<JsonNode> answer = requests.register(request, op, requestTimeout);
        // Requests bypass the outbox: an answer that comes after the process restarted would reach no one.
        MqttSession current = session;
        if (current == null) {
            requests.fail(request.id(), new RelayClientException(RelayClientException.NOT_CONNECTED,
                    "no connection to " + serverUri + " (state " + state + ")"));
            return answer;
        }
        CompletableFuture<String> sent = results.computeIfAbsent(request.id(), id -> new CompletableFuture<>());
        sent.whenComplete((id, failure) -> {
            results.remove(request.id(), sent);
            if (failure != null) {
                requests.fail(request.id(), failure);
            }
        });
        publish(current, request);
        return answer;
    }

    /** Sends what the outbox holds, oldest first, unless it is already on its way or the relay asked to wait. */
    private void flushOutbox() {
        MqttSession current = session;
        if (outbox == null || current == null) {
            return;
        }
        if (flushPausedUntilMillis > System.currentTimeMillis()) {
            return; // a flush is scheduled for when the rate limit allows
        }
        for (Envelope envelope : outbox.pending()) {
            if (inFlight.putIfAbsent(envelope.id(), Boolean.TRUE) == null) {
                publish(current, envelope);
            }
        }
    }

    private void publish(MqttSession current, Envelope envelope) {
        String id = envelope.id();
        String topic = envelope.kind() == Kind.REQUEST ? Addressing.MQTT_SYSTEM_TOPIC
                : Addressing.mqttInbox(envelope.to());
        if (hasRefusalWindow()) {
            // Registered before publishing: on 3.1.1 the error envelope can overtake the PUBACK's callback.
            awaitingRefusal.put(id, envelope);
        }
        current.publish(topic, envelope.toJson()).whenComplete((ack, failure) -> {
            if (failure != null) {
                awaitingRefusal.remove(id);
                inFlight.remove(id);
                if (outbox == null || !outbox.contains(id)) {
                    resultOf(id).completeExceptionally(failure);
                }
                return; // an outbox envelope goes again on the next connection
            }
            if (ack.accepted()) {
                if (version == MqttVersion.V3_1_1 && hasRefusalWindow()) {
                    // 3.1.1 acknowledges refused publishes too: an error envelope may still come (SPEC §10.3).
                    scheduleAfter(refusalWindow, () -> {
                        if (awaitingRefusal.remove(id) != null) {
                            accepted(id);
                        }
                    });
                } else {
                    awaitingRefusal.remove(id);
                    accepted(id);
                }
                return;
            }
            String hex = "PUBACK reason code 0x" + Integer.toHexString(ack.reasonCode());
            RelayClientException refusal = RelayClientException.ofReason(ack.reasonString(),
                    codeForReasonCode(ack.reasonCode()), hex);
            if (ack.reasonString() == null && hasRefusalWindow()) {
                // No reason string (an older relay): its error envelope names the code; wait for it a little.
                scheduleAfter(refusalWindow, () -> {
                    if (awaitingRefusal.remove(id) != null) {
                        refused(envelope, refusal);
                    }
                });
            } else {
                awaitingRefusal.remove(id);
                refused(envelope, refusal);
            }
        });
    }

    private boolean hasRefusalWindow() {
        return !refusalWindow.isZero() && !refusalWindow.isNegative();
    }

    private void accepted(String id) {
        if (outbox != null) {
            outbox.done(id);
        }
        inFlight.remove(id);
        resultOf(id).complete(id);
    }

    /** A final refusal, or a rate limit that an outbox envelope waits out. */
    private void refused(Envelope envelope, RelayClientException refusal) {
        String id = envelope.id();
        inFlight.remove(id);
        if (outbox != null && outbox.contains(id) && "rate_limited".equals(refusal.code())) {
            long waitSeconds = Math.max(1, refusal.retryAfterSeconds().orElse(1));
            LOG.info("Relay rate limit: the outbox waits {} s before sending again", waitSeconds);
            flushPausedUntilMillis = System.currentTimeMillis() + waitSeconds * 1000;
            scheduleAfter(Duration.ofSeconds(waitSeconds), () -> {
                flushPausedUntilMillis = 0;
                flushOutbox();
            });
            return;
        }
        if (outbox != null) {
            outbox.done(id);
        }
        LOG.warn("Relay refused {}: {}", envelope, refusal.getMessage());
        resultOf(id).completeExceptionally(refusal);
    }

    /** An error envelope about one of this device's sends is its refusal; everything else goes to the app. */
    private void onIncoming(Incoming message) throws Exception {
        Envelope envelope = message.envelope();
        if (envelope.kind() == Kind.ERROR && envelope.inReplyTo() != null) {
            Envelope refusedSend = awaitingRefusal.remove(envelope.inReplyTo());
            if (refusedSend != null) {
                refused(refusedSend, fromErrorBody(envelope));
                return;
            }
        }
        if (application == null) {
            LOG.info("No handler set; dropping {}", envelope);
            return;
        }
        application.onMessage(message);
    }

    /** After a handler failure: a new connection makes the broker deliver the unacknowledged message again. */
    private void endConnectionForRedelivery(String reason) {
        MqttSession current = session;
        try {
            scheduler.execute(() -> connectionLost(current,
                    new RelayClientException(RedeliveringHandler.HANDLER_FAILED, reason)));
        } catch (RejectedExecutionException closing) {
            LOG.debug("Not reconnecting after the handler failure: the device is closing");
        }
    }

    private static RelayClientException fromErrorBody(Envelope error) {
        try {
            ObjectNode body = Json.readObject(error.body(), "error body");
            JsonNode retryAfter = body.get("retry_after");
            return new RelayClientException(body.path("code").asText("internal"), body.path("message").asText(""),
                    retryAfter != null && retryAfter.canConvertToLong() ? retryAfter.asLong() : null);
        } catch (RelayException e) {
            return new RelayClientException("internal", "unreadable error envelope from the relay: "
                    + e.reasonString());
        }
    }

    /** SPEC §10.4's PUBACK codes back to the most likely relay code, for PUBACKs without a reason string. */
    static String codeForReasonCode(int reasonCode) {
        return switch (reasonCode) {
            case 0x87 -> "acl_denied";
            case 0x97 -> "rate_limited";
            case 0x99 -> "malformed";
            case 0x83 -> "expired";
            default -> "internal";
        };
    }

    private CompletableFuture<String> resultOf(String id) {
        CompletableFuture<String> result = results.get(id);
        return result != null ? result : new CompletableFuture<>(); // an outbox entry of an earlier run
    }

    private void scheduleAfter(Duration delay, Runnable task) {
        try {
            scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("Device closing; not scheduling {}", task);
        }
    }

    // ---- state ----------------------------------------------------------------------------------------------------

    private void setState(DeviceState next) {
        state = next;
        ClientSupport.announce(lifecycle, next, stateListener, LOG);
    }

    /** Waits until the device is connected; false if it did not happen within {@code timeout} or it closed. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return ClientSupport.awaitState(lifecycle, () -> state, DeviceState.CONNECTED, DeviceState.CLOSED, timeout);
    }

    public DeviceState state() {
        return state;
    }

    public boolean isConnected() {
        return state == DeviceState.CONNECTED;
    }

    /** Whether the last connection resumed a broker session (messages queued meanwhile then follow). */
    public boolean sessionPresent() {
        return sessionPresent;
    }

    @Override
    public KeyId keyId() {
        return key.keyId();
    }

    /** The MQTT client id: the key id, or {@code <key id>.<session>}. */
    public String clientId() {
        return clientId;
    }

    /** The relay key that response and error envelopes must be signed by: pinned, or learned on first use. */
    public Optional<KeyId> relayKey() {
        return Optional.ofNullable(trust.relayKey());
    }

    /** Envelopes in the outbox not yet accepted by the relay (0 without an outbox). */
    public int outboxSize() {
        return outbox == null ? 0 : outbox.size();
    }

    /**
     * Closes the connection with a clean DISCONNECT (the broker keeps the session, so messages keep queueing) and
     * releases the threads. Sends still in the outbox stay there for the next run. Idempotent.
     */
    @Override
    public void close() {
        shutDown();
    }

    private void shutDown() {
        MqttSession last;
        synchronized (lifecycle) {
            if (state == DeviceState.CLOSED) {
                return;
            }
            last = session;
            session = null;
            setState(DeviceState.CLOSED);
        }
        if (last != null) {
            last.close();
        }
        RelayClientException closed = new RelayClientException(RelayClientException.CLOSED, "the device was closed");
        requests.failAll(closed);
        results.values().forEach(result -> result.completeExceptionally(closed));
        handlerThread.shutdown();
        scheduler.shutdown();
        if (outbox != null) {
            outbox.close();
        }
    }

    @Override
    public String toString() {
        return "RelayDevice[" + clientId + " " + state + " " + serverUri + "]";
    }

    /** Configures a {@link RelayDevice}; the server URI, the realm and a key are required. */
    public static final class Builder {
        private String serverUri;
        private RelayKeyPair key;
        private String realm;
        private MqttVersion version = MqttVersion.V5;
        private String session;
        private KeyId relayKey;
        private IncomingHandler handler;
        private Consumer<DeviceState> stateListener = state -> { };
        private Consumer<String> discardListener = reason -> { };
        private Outbox outbox;
        private SocketFactory socketFactory;
        private Duration sessionExpiry = DEFAULT_SESSION_EXPIRY;
        private int keepAliveSeconds = 30;
        private Duration backoffMin = Duration.ofSeconds(1);
        private Duration backoffMax = Duration.ofSeconds(60);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration refusalWindow;

        private Builder() {
        }

        /** The broker: {@code tcp://host:1883}, or {@code ssl://host:8883} with {@link #tls}. */
        public Builder serverUri(String serverUri) {
            this.serverUri = serverUri;
            return this;
        }

        /** The relay's realm (the audience of connect tokens, SPEC §2.2). */
        public Builder realm(String realm) {
            this.realm = realm;
            return this;
        }

        public Builder key(RelayKeyPair key) {
            this.key = key;
            return this;
        }

        /**
         * Loads the key file, or creates one (mode 0600) on first run (SPEC §1.3).
         *
         * @throws UncheckedIOException     if the file cannot be read or written
         * @throws IllegalArgumentException if it is not a valid key file
         */
        public Builder keyFile(Path file) {
            return key(ClientSupport.loadOrCreateKey(file));
        }

        /** MQTT 5 (default) or 3.1.1. */
        public Builder mqttVersion(MqttVersion version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Session suffix: the client id becomes {@code <key id>.<suffix>} (SPEC §2.6); default: the key id. */
        public Builder session(String suffix) {
            this.session = suffix;
            return this;
        }

        /**
         * MQTT 5 session expiry (default 7 days, SPEC §2.7). {@link Duration#ZERO} asks for a clean session that ends
         * with the connection: for short-lived tools that must not keep a session (and its queue) behind.
         */
        public Builder sessionExpiry(Duration expiry) {
            this.sessionExpiry = expiry;
            return this;
        }

        public Builder keepAlive(Duration keepAlive) {
            this.keepAliveSeconds = (int) keepAlive.toSeconds();
            return this;
        }

        /** TLS (or any custom socket): e.g. {@code sslContext.getSocketFactory()}; use an {@code ssl://} URI. */
        public Builder tls(SocketFactory socketFactory) {
            this.socketFactory = socketFactory;
            return this;
        }

        /**
         * TLS that trusts the certificates in this key store (PKCS12 or JKS), e.g. a broker's self-signed one; use an
         * {@code ssl://} URI. Without it, {@code ssl://} uses the JVM's default trust store.
         *
         * @throws IllegalArgumentException if the store cannot be read
         */
        public Builder trustStore(Path file, char[] password) {
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance(file.toFile(), password);
                javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
                javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
                context.init(null, trust.getTrustManagers(), null);
                return tls(context.getSocketFactory());
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot use " + file + " as a trust store: " + e.getMessage(), e);
            }
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

        /** Observes state changes (called under the device's lock: keep it short, do not block). */
        public Builder onStateChange(Consumer<DeviceState> listener) {
            this.stateListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Told the reason ({@code "<code>: <text>"}) of every inbox envelope discarded by the SPEC §3.8 checks (not of
         * duplicates). Runs on the MQTT client's thread: keep it short; an exception it throws is logged and ignored.
         */
        public Builder onDiscard(Consumer<String> listener) {
            this.discardListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Keeps sends in this file until the relay accepted them, across offline periods and process restarts.
         *
         * @throws UncheckedIOException if the file cannot be read or created
         */
        public Builder outbox(Path file) {
            try {
                this.outbox = Outbox.open(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the outbox " + file, e);
            }
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

        /** How long opening a connection may take (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * How long a send's result waits for an {@code error} envelope where the transport cannot say "refused" with a
         * code: after every PUBACK on MQTT 3.1.1, after a PUBACK without reason string on MQTT 5. Default 2 s on
         * 3.1.1 and 5 s on MQTT 5 (which only waits when refused); zero turns it off.
         */
        public Builder refusalWindow(Duration window) {
            this.refusalWindow = window;
            return this;
        }

        public RelayDevice build() {
            Objects.requireNonNull(serverUri, "serverUri");
            Objects.requireNonNull(realm, "realm");
            Objects.requireNonNull(key, "key or keyFile");
            ClientSupport.requireValidSessionSuffix(key.keyId(), session);
            if (refusalWindow == null) {
                refusalWindow = version == MqttVersion.V5 ? Duration.ofSeconds(5) : Duration.ofSeconds(2);
            }
            new Backoff(backoffMin, backoffMax, () -> 0); // validates the bounds now
            return new RelayDevice(this);
        }

        /** {@code build().connect()}. */
        public RelayDevice connect() throws RelayClientException {
            return build().connect();
        }

        /** {@code build().start()}. */
        public RelayDevice start() {
            return build().start();
        }
    }
}
