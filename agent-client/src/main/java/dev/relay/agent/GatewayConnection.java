package dev.relay.agent;

import dev.relay.agent.AgentFrames.Accepted;
import dev.relay.agent.AgentFrames.Challenge;
import dev.relay.agent.AgentFrames.Delivery;
import dev.relay.agent.AgentFrames.ErrorFrame;
import dev.relay.agent.AgentFrames.Pong;
import dev.relay.agent.AgentFrames.ServerFrame;
import dev.relay.agent.AgentFrames.Welcome;
import dev.relay.client.ClientTransport;
import dev.relay.client.ClientTransport.PublishAnswer;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.RelayException;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection to the gateway: answers the challenge with a token the client core signs, waits for
 * {@code welcome}, matches {@code accepted}, {@code error} and {@code pong} frames to what was sent, keeps the connection
 * alive with {@code ping}, and reports deliveries and its end to the core's listener. A connection is used once;
 * reconnecting makes a new one.
 *
 * <p>Every frame goes out through this connection's single writer thread with the blocking basic remote: frames leave
 * in the order they were submitted (stream chunks must), the basic remote is never used by two threads at once (JSR
 * 356 forbids it), neither callers nor the Tyrus I/O thread ever wait for the network, and a connection whose socket
 * stalls holds up only its own writes, not those of the next connection.
 */
final class GatewayConnection extends Endpoint implements ClientTransport.Connection {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayConnection.class);

    private record PendingPing(long sentNanos, CompletableFuture<Duration> roundTrip) {
    }

    private final WebSocketTransport transport;
    private final ClientTransport.Listener listener;
    private final ExecutorService writer;
    private final CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    private final Map<String, CompletableFuture<PublishAnswer>> pendingSends = new ConcurrentHashMap<>();
    private final Map<String, PendingPing> pendingPings = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ClientTransport.Tokens tokens;
    private volatile Session session;
    private volatile boolean authSent;
    private volatile ScheduledFuture<?> keepAlive;
    private volatile AgentException closeCause;

    GatewayConnection(WebSocketTransport transport, ClientTransport.Listener listener) {
        this.transport = transport;
        this.listener = listener;
        this.writer = Executors.newSingleThreadExecutor(transport.writerThreads());
    }

    @Override
    public boolean connect(ClientTransport.Tokens tokens, Duration timeout) throws RelayClientException {
        this.tokens = tokens;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            transport.open(this);
            return awaitWelcome(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))).sessionPresent();
        } catch (DeploymentException | IOException e) {
            throw new AgentException(AgentException.CONNECT_FAILED, "WebSocket handshake with " + transport.endpoint()
                    + " failed: " + e.getMessage(), e);
        } catch (AgentException e) {
            abort(e, false); // e.g. the auth frame could not be written: do not leave the socket open
            throw e;
        }
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        this.session = session;
        session.addMessageHandler(String.class, this::onFrame);
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        closed(AgentException.ofClose(reason.getCloseCode().getCode(), reason.getReasonPhrase()), true);
    }

    @Override
    public void onError(Session session, Throwable failure) {
        LOG.debug("WebSocket error", failure);
        if (!session.isOpen()) {
            closed(new AgentException(AgentException.CONNECTION_LOST, "transport failure: " + failure, failure), true);
        }
    }

    /** Blocks until {@code welcome}; on failure or timeout the connection is closed and the reason thrown. */
    private Welcome awaitWelcome(Duration timeout) throws AgentException {
        try {
            return welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AgentException known ? known
                    : new AgentException(AgentException.PROTOCOL_ERROR, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new AgentException(AgentException.TIMEOUT, "no welcome within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentException.CLOSED, "interrupted while connecting");
        }
    }

    /** A {@code send} frame; completes on {@code accepted} or with the refusal of its {@code error} frame. */
    @Override
    public CompletableFuture<PublishAnswer> publish(Envelope envelope) {
        String ref = "s" + transport.nextRef();
        CompletableFuture<PublishAnswer> answer = new CompletableFuture<>();
        pendingSends.put(ref, answer);
        answer.whenComplete((value, failure) -> pendingSends.remove(ref));
        // The gateway answers every send within 30 s itself (internal); this only guards against a stuck one.
        expireAfter(answer, transport.sendTimeout(), "send " + ref);
        failIfClosed(answer);
        write(AgentFrames.send(ref, envelope.toJson()), answer);
        return answer;
    }

    /** Sends a {@code ping}; completes with the round-trip time on {@code pong}. */
    CompletableFuture<Duration> ping(Duration timeout) {
        String ref = "p" + transport.nextRef();
        CompletableFuture<Duration> roundTrip = new CompletableFuture<>();
        pendingPings.put(ref, new PendingPing(System.nanoTime(), roundTrip));
        roundTrip.whenComplete((rtt, failure) -> pendingPings.remove(ref));
        expireAfter(roundTrip, timeout, "ping " + ref);
        failIfClosed(roundTrip);
        write(AgentFrames.ping(ref), roundTrip);
        return roundTrip;
    }

    /** Ends the connection from this side (code 1000); the listener is not told. */
    @Override
    public void close() {
        abort(new AgentException(AgentException.CLOSED, "the agent closed the connection"), false);
    }

    private void abort(AgentException cause, boolean tellListener) {
        closed(cause, tellListener);
        Session current = session;
        if (current != null && current.isOpen()) {
            try {
                current.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "client closing"));
            } catch (IOException | RuntimeException e) {
                LOG.debug("Closing the WebSocket failed", e);
            }
        }
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
            long number = delivery.delivery();
            listener.delivered(delivery.envelopeJson().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    () -> write(AgentFrames.ack(number), new CompletableFuture<>()));
        } else if (frame instanceof Accepted accepted) {
            CompletableFuture<PublishAnswer> pending = pendingSends.get(accepted.ref());
            if (pending != null) {
                pending.complete(PublishAnswer.accepted());
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
        String expected = transport.expectedRealm();
        if (expected != null && !expected.equals(challenge.realm())) {
            abort(new AgentException("bad_credentials", "the gateway's realm '" + challenge.realm()
                    + "' is not the expected '" + expected + "'"), true);
            return;
        }
        try {
            byte[] nonce = Base64Url.decode(challenge.nonce(), "challenge nonce");
            ConnectToken token = tokens.sign(challenge.realm(), nonce);
            // Strict base64url is canonical, so re-encoding gives the challenge text back; the gateway compares texts.
            authSent = true;
            write(transport.authFrame(token), welcome);
        } catch (RelayException e) {
            abort(new AgentException(AgentException.PROTOCOL_ERROR, "unusable challenge: " + e.getMessage(), e), true);
        } catch (RelayClientException e) {
            abort(new AgentException(e.code(), "cannot sign a connect token: " + e.getMessage(), e), true);
        }
    }

    private void welcomed(Welcome frame) {
        if (!authSent || !welcome.complete(frame)) {
            LOG.warn("Ignoring an unexpected welcome");
            return;
        }
        transport.welcomed(frame);
        // The gateway closes a connection it has not heard from for idle_timeout; pinging at a third of it leaves
        // room for one lost ping, and a ping that gets no pong before the next one is due means a dead connection.
        long interval = Math.max(1, frame.idleTimeoutSeconds() / 3);
        try {
            keepAlive = transport.scheduler().scheduleAtFixedRate(() -> keepAlive(Duration.ofSeconds(interval)),
                    interval, interval, TimeUnit.SECONDS);
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
                abort(new AgentException(AgentException.CONNECTION_LOST, "no pong within " + interval), true);
            }
        });
    }

    private void refused(ErrorFrame error) {
        CompletableFuture<PublishAnswer> send = error.ref() == null ? null : pendingSends.get(error.ref());
        PendingPing ping = error.ref() == null ? null : pendingPings.get(error.ref());
        if (send != null) {
            // An error frame names its code (SPEC §13.4): precise, no error envelope follows.
            send.complete(PublishAnswer.refused(ErrorMapping.fromErrorFrame(error.code(), error.message(),
                    error.retryAfterSeconds()), true));
        } else if (ping != null) {
            ping.roundTrip().completeExceptionally(RelayClientException.of(ErrorMapping.fromErrorFrame(error.code(),
                    error.message(), error.retryAfterSeconds())));
        } else {
            LOG.warn("Gateway error {}: {} (ref {})", error.code(), error.message(), error.ref());
        }
    }

    private void closed(AgentException cause, boolean tellListener) {
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
        // The core first leaves CONNECTED, so that a caller retrying a failed send waits for the next connection.
        if (tellListener) {
            listener.lost(cause);
        }
        AgentException lost = lostBecause(cause);
        pendingSends.values().forEach(pending -> pending.completeExceptionally(lost));
        pendingPings.values().forEach(pending -> pending.roundTrip().completeExceptionally(lost));
    }

    private static AgentException lostBecause(AgentException cause) {
        // cause is null only in the instant between closed() marking the connection and recording why.
        return new AgentException(AgentException.CONNECTION_LOST, "the connection ended before the gateway answered ("
                + (cause == null ? "closed" : cause.getMessage()) + "); sending the same envelope again is safe", cause);
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
