package dev.relay.gateway.agent;

import dev.relay.gateway.agent.AgentFrames.Accepted;
import dev.relay.gateway.agent.AgentFrames.Challenge;
import dev.relay.gateway.agent.AgentFrames.Delivery;
import dev.relay.gateway.agent.AgentFrames.ErrorFrame;
import dev.relay.gateway.agent.AgentFrames.Pong;
import dev.relay.gateway.agent.AgentFrames.ServerFrame;
import dev.relay.gateway.agent.AgentFrames.Welcome;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection to the gateway: answers the challenge, waits for {@code welcome}, matches {@code accepted},
 * {@code error} and {@code pong} frames to what was sent, keeps the connection alive with {@code ping}, and reports
 * deliveries and its end to a {@link Listener}. A connection is used once; reconnecting makes a new one.
 *
 * <p>Every frame goes out through this connection's single writer thread with the blocking basic remote: frames leave
 * in the order they were submitted (stream chunks must), the basic remote is never used by two threads at once (JSR
 * 356 forbids it), neither callers nor the Tyrus I/O thread ever wait for the network, and a connection whose socket
 * stalls holds up only its own writes, not those of the next connection.
 */
final class GatewayConnection extends Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayConnection.class);

    /** Receives deliveries and the end of the connection. */
    interface Listener {
        void onDelivery(GatewayConnection connection, long delivery, String envelopeJson);

        void onClosed(GatewayConnection connection, AgentException cause);
    }

    private record PendingPing(long sentNanos, CompletableFuture<Duration> roundTrip) {
    }

    private final RelayKeyPair key;
    private final String expectedRealm;
    private final String sessionSuffix;
    private final boolean transientSession;
    private final ExecutorService writer;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong refs;
    private final Duration sendTimeout;
    private final Listener listener;
    private final CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    private final Map<String, CompletableFuture<String>> pendingSends = new ConcurrentHashMap<>();
    private final Map<String, PendingPing> pendingPings = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Session session;
    private volatile boolean authSent;
    private volatile ScheduledFuture<?> keepAlive;
    private volatile AgentException closeCause;

    GatewayConnection(RelayKeyPair key, String expectedRealm, String sessionSuffix, boolean transientSession,
                      ThreadFactory writerThread, ScheduledExecutorService scheduler, AtomicLong refs,
                      Duration sendTimeout, Listener listener) {
        this.key = key;
        this.expectedRealm = expectedRealm;
        this.sessionSuffix = sessionSuffix;
        this.transientSession = transientSession;
        this.writer = Executors.newSingleThreadExecutor(writerThread);
        this.scheduler = scheduler;
        this.refs = refs;
        this.sendTimeout = sendTimeout;
        this.listener = listener;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        this.session = session;
        session.addMessageHandler(String.class, this::onFrame);
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        closed(AgentException.ofClose(reason.getCloseCode().getCode(), reason.getReasonPhrase()));
    }

    @Override
    public void onError(Session session, Throwable failure) {
        LOG.debug("WebSocket error", failure);
        if (!session.isOpen()) {
            closed(new AgentException(AgentException.CONNECTION_LOST, "transport failure: " + failure, failure));
        }
    }

    /** Blocks until {@code welcome}; on failure or timeout the connection is closed and the reason thrown. */
    Welcome awaitWelcome(Duration timeout) throws AgentException {
        try {
            return welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AgentException ? (AgentException) e.getCause()
                    : new AgentException(AgentException.PROTOCOL_ERROR, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            AgentException failure = new AgentException(AgentException.TIMEOUT, "no welcome within " + timeout);
            abort(failure);
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            AgentException failure = new AgentException(AgentException.CLOSED, "interrupted while connecting");
            abort(failure);
            throw failure;
        }
    }

    /** Sends a {@code send} frame; completes with the envelope id on {@code accepted}. */
    CompletableFuture<String> send(byte[] envelopeJson) {
        String ref = "s" + refs.incrementAndGet();
        CompletableFuture<String> accepted = track(pendingSends, ref, new CompletableFuture<>(), "send " + ref);
        write(AgentFrames.send(ref, envelopeJson), accepted);
        return accepted;
    }

    /** Sends a {@code ping}; completes with the round-trip time on {@code pong}. */
    CompletableFuture<Duration> ping(Duration timeout) {
        String ref = "p" + refs.incrementAndGet();
        CompletableFuture<Duration> roundTrip = new CompletableFuture<>();
        pendingPings.put(ref, new PendingPing(System.nanoTime(), roundTrip));
        roundTrip.whenComplete((rtt, failure) -> pendingPings.remove(ref));
        expireAfter(roundTrip, timeout, "ping " + ref);
        failIfClosed(roundTrip);
        write(AgentFrames.ping(ref), roundTrip);
        return roundTrip;
    }

    /** Acknowledges a delivery; if the connection is gone, the broker redelivers it on the next one. */
    void ack(long delivery) {
        write(AgentFrames.ack(delivery), new CompletableFuture<>());
    }

    /** Ends the connection from this side with {@code cause} (no reconnect decision is made here). */
    void abort(AgentException cause) {
        closed(cause);
        Session current = session;
        if (current != null && current.isOpen()) {
            try {
                current.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "client closing"));
            } catch (IOException | RuntimeException e) {
                LOG.debug("Closing the WebSocket failed", e);
            }
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Why the connection ended, once it has. */
    AgentException closeCause() {
        return closeCause;
    }

    private void onFrame(String text) {
        ServerFrame frame;
        try {
            frame = AgentFrames.parse(text);
        } catch (AgentException e) {
            LOG.warn("Ignoring unreadable frame from the gateway: {}", e.getMessage());
            return;
        }
        if (frame instanceof Delivery delivery) {
            listener.onDelivery(this, delivery.delivery(), delivery.envelopeJson());
        } else if (frame instanceof Accepted accepted) {
            CompletableFuture<String> pending = pendingSends.get(accepted.ref());
            if (pending != null) {
                pending.complete(accepted.id());
            }
        } else if (frame instanceof ErrorFrame error) {
            refused(error);
        } else if (frame instanceof Pong pong) {
            PendingPing pending = pendingPings.get(pong.ref());
            if (pending != null) {
                pending.roundTrip().complete(Duration.ofNanos(System.nanoTime() - pending.sentNanos()));
            }
        } else if (frame instanceof Challenge challenge) {
            authenticate(challenge);
        } else if (frame instanceof Welcome welcomeFrame) {
            welcomed(welcomeFrame);
        } else {
            LOG.debug("Ignoring frame {}", frame);
        }
    }

    private void authenticate(Challenge challenge) {
        if (authSent) {
            LOG.warn("Ignoring a second challenge");
            return;
        }
        if (expectedRealm != null && !expectedRealm.equals(challenge.realm())) {
            abort(new AgentException("bad_credentials", "the gateway's realm '" + challenge.realm()
                    + "' is not the expected '" + expectedRealm + "'"));
            return;
        }
        try {
            byte[] nonce = Base64Url.decode(challenge.nonce(), "challenge nonce");
            ConnectToken token = ConnectToken.create(key, challenge.realm(), System.currentTimeMillis() / 1000, nonce);
            // Strict base64url is canonical, so re-encoding gives the challenge text back; the gateway compares texts.
            authSent = true;
            write(AgentFrames.auth(key.keyId().toString(), token.password(), sessionSuffix, transientSession),
                    welcome);
        } catch (RelayException e) {
            abort(new AgentException(AgentException.PROTOCOL_ERROR, "unusable challenge: " + e.getMessage(), e));
        }
    }

    private void welcomed(Welcome frame) {
        if (!authSent || !welcome.complete(frame)) {
            LOG.warn("Ignoring an unexpected welcome");
            return;
        }
        // The gateway closes a connection it has not heard from for idle_timeout; pinging at a third of it leaves
        // room for one lost ping, and a ping that gets no pong before the next one is due means a dead connection.
        long interval = Math.max(1, frame.idleTimeoutSeconds() / 3);
        try {
            keepAlive = scheduler.scheduleAtFixedRate(() -> keepAlive(Duration.ofSeconds(interval)), interval,
                    interval, TimeUnit.SECONDS);
        } catch (RejectedExecutionException closing) {
            return; // the agent is closing
        }
        if (closed.get()) {
            keepAlive.cancel(false);
        }
    }

    private void keepAlive(Duration interval) {
        ping(interval).whenComplete((rtt, failure) -> {
            if (failure != null && !closed.get()) {
                LOG.warn("No pong from the gateway within {}; dropping the connection", interval);
                abort(new AgentException(AgentException.CONNECTION_LOST, "no pong within " + interval));
            }
        });
    }

    private void refused(ErrorFrame error) {
        AgentException failure = new AgentException(error.code(), error.message() == null ? "" : error.message(),
                error.retryAfterSeconds());
        CompletableFuture<String> send = error.ref() == null ? null : pendingSends.get(error.ref());
        PendingPing ping = error.ref() == null ? null : pendingPings.get(error.ref());
        if (send != null) {
            send.completeExceptionally(failure);
        } else if (ping != null) {
            ping.roundTrip().completeExceptionally(failure);
        } else {
            LOG.warn("Gateway error {} (ref {})", failure.getMessage(), error.ref());
        }
    }

    private void closed(AgentException cause) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeCause = cause;
        ScheduledFuture<?> timer = keepAlive;
        if (timer != null) {
            timer.cancel(false);
        }
        writer.shutdown(); // queued frames still run, and fail
        welcome.completeExceptionally(cause);
        // The agent first leaves CONNECTED, so that a caller retrying a failed send waits for the next connection.
        listener.onClosed(this, cause);
        AgentException lost = lostBecause(cause);
        pendingSends.values().forEach(pending -> pending.completeExceptionally(lost));
        pendingPings.values().forEach(pending -> pending.roundTrip().completeExceptionally(lost));
    }

    private static AgentException lostBecause(AgentException cause) {
        // cause is null only in the instant between closed() marking the connection and recording why.
        return new AgentException(AgentException.CONNECTION_LOST, "the connection ended before the gateway answered ("
                + (cause == null ? "closed" : cause.getMessage()) + "); sending the same envelope again is safe", cause);
    }

    private <T> CompletableFuture<T> track(Map<String, CompletableFuture<T>> pending, String ref,
                                           CompletableFuture<T> future, String what) {
        pending.put(ref, future);
        future.whenComplete((value, failure) -> pending.remove(ref));
        expireAfter(future, sendTimeout, what);
        failIfClosed(future);
        return future;
    }

    private static void expireAfter(CompletableFuture<?> future, Duration timeout, String what) {
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                future.completeExceptionally(new AgentException(AgentException.TIMEOUT, "no answer to " + what
                        + " within " + timeout)));
    }

    // Registered after closed() already failed everything pending: fail it here, or it would wait for its timeout.
    private void failIfClosed(CompletableFuture<?> future) {
        if (closed.get()) {
            future.completeExceptionally(lostBecause(closeCause));
        }
    }

    private void write(String frame, CompletableFuture<?> onFailure) {
        try {
            writer.execute(() -> {
                Session current = session;
                if (closed.get() || current == null || !current.isOpen()) {
                    onFailure.completeExceptionally(new AgentException(AgentException.CONNECTION_LOST,
                            "the connection is closed"));
                    return;
                }
                try {
                    current.getBasicRemote().sendText(frame);
                } catch (IOException | RuntimeException e) {
                    onFailure.completeExceptionally(new AgentException(AgentException.CONNECTION_LOST,
                            "writing a frame failed: " + e, e));
                }
            });
        } catch (RejectedExecutionException e) {
            onFailure.completeExceptionally(new AgentException(AgentException.CONNECTION_LOST,
                    "the connection is closed"));
        }
    }
}
