package dev.relay.gateway;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket client: authentication (SPEC §13.2), its broker session (§13.3), the frames (§13.4) and the limits
 * (§13.5); what goes to the client, and how fast, is its {@link Deliveries}. All state is guarded by this object's
 * lock; events come from Tyrus' read threads, the MQTT client's threads, write completions and the shared scheduler.
 * Refusals are the relay's codes as {@link ErrorMapping} reads them, the same as every client reads them.
 */
final class ClientConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final int MAX_FRAMES_BEFORE_WELCOME = 16;

    enum State { AWAIT_AUTH, CONNECTING, OPEN, CLOSED }

    private final GatewayContext context;
    private final GatewayConfig config;
    private final Session ws;
    private final String remote;
    private final ClientLimits limits;
    private final Deliveries deliveries;
    private final ArrayDeque<String> framesBeforeWelcome = new ArrayDeque<>();
    private State state = State.AWAIT_AUTH;
    private String challengeNonce;
    private String keyId;
    private String clientId;
    private BrokerSession broker;
    private boolean registered;
    private int pendingSends;
    private ScheduledFuture<?> ticker;

    ClientConnection(GatewayContext context, Session ws, String remote) {
        this.context = context;
        this.config = context.config();
        this.ws = ws;
        this.remote = remote;
        this.limits = new ClientLimits(this, config, context.metrics(), System.nanoTime());
        this.deliveries = new Deliveries(config, context.metrics(), ws, this::onWritten);
    }

    String keyId() {
        return keyId;
    }

    String clientId() {
        return clientId;
    }

    /** Right after the handshake: connect a ready token, or send the challenge. */
    synchronized void start(HandshakeCredentials credentials) {
        context.registry().opened(this);
        context.metrics().connectionOpened();
        ticker = context.scheduler().scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        if (credentials != null) {
            connectBroker(credentials.keyId(), credentials.token(), credentials.session(),
                    credentials.transientSession());
            return;
        }
        byte[] nonce = new byte[32];
        context.random().nextBytes(nonce);
        challengeNonce = Base64Url.encode(nonce);
        send(ServerFrames.challenge(challengeNonce, config.realm, config.authTimeout.toSeconds()));
    }

    // ---------------------------------------------------------------- frames from the client

    synchronized void onText(String text) {
        if (state == State.CLOSED) {
            return;
        }
        context.metrics().frameIn();
        if (!limits.admit(text, System.nanoTime())) {
            return;
        }
        ClientFrame frame;
        try {
            frame = ClientFrame.parse(text);
        } catch (ClientFrame.BadFrame e) {
            if (state == State.AWAIT_AUTH) {
                close(1008, "the first frame must be auth: " + e.getMessage());
            } else {
                badFrame("bad_frame", e.getMessage(), e.ref);
            }
            return;
        }
        switch (state) {
            case AWAIT_AUTH -> {
                if ("auth".equals(frame.type())) {
                    onAuth(frame);
                } else {
                    close(1008, "the first frame must be auth");
                }
            }
            case CONNECTING -> {
                // A ready-token client may speak before the welcome: keep a few frames for then.
                if (framesBeforeWelcome.size() < MAX_FRAMES_BEFORE_WELCOME) {
                    framesBeforeWelcome.add(text);
                } else {
                    badFrame("bad_frame", "wait for the welcome frame", frame.ref());
                }
            }
            case OPEN -> dispatch(frame);
            default -> {
            }
        }
    }

    synchronized void onBinary() {
        if (state == State.CLOSED) {
            return;
        }
        limits.heard(System.nanoTime());
        context.metrics().frameIn();
        if (state == State.AWAIT_AUTH) {
            close(1008, "the first frame must be auth");
        } else {
            badFrame("bad_frame", "binary frames are not used; send JSON text frames", null);
        }
    }

    synchronized void onPong() {
        limits.heard(System.nanoTime());
    }

    private void dispatch(ClientFrame frame) {
        switch (frame.type()) {
            case "send" -> onSend(frame);
            case "ack" -> onAck(frame);
            case "ping" -> send(ServerFrames.pong(frame.ref(), System.currentTimeMillis()));
            case "auth" -> badFrame("bad_frame", "already authenticated", frame.ref());
            default -> badFrame("unknown_frame", "unknown frame type \"" + ServerFrames.shorten(frame.type()) + "\"",
                    frame.ref());
        }
    }

    private void onAuth(ClientFrame frame) {
        HandshakeCredentials credentials;
        try {
            credentials = HandshakeCredentials.ofAuthFrame(frame, challengeNonce);
        } catch (IllegalArgumentException e) {
            close(4401, e.getMessage());
            return;
        }
        connectBroker(credentials.keyId(), credentials.token(), credentials.session(), credentials.transientSession());
    }

    private void connectBroker(String keyId, String token, String session, boolean transientSession) {
        state = State.CONNECTING;
        this.keyId = keyId;
        this.clientId = keyId + "." + session;
        BrokerSession created = new BrokerSession(config, keyId, clientId, this::onBrokerPublish, this::onBrokerEnded);
        broker = created;
        created.connect(token, transientSession).whenComplete(this::onBrokerConnected);
    }

    private synchronized void onBrokerConnected(Boolean sessionPresent, Throwable failure) {
        if (state != State.CONNECTING) {
            if (broker != null) {
                broker.disconnect();
            }
            return;
        }
        if (failure != null) {
            Throwable cause = BrokerSession.unwrap(failure);
            if (cause instanceof BrokerSession.ConnectRefused refused) {
                if (refused.brokerUnavailable) {
                    LOG.warn("Broker {} unavailable for a WebSocket client from {}: {}", config.brokerUri, remote,
                            refused.getMessage());
                    close(1013, "internal: broker unavailable");
                } else {
                    close(4401, refused.code + ": " + refused.getMessage());
                }
            } else {
                LOG.warn("Broker session for {} from {} failed: {}", clientId, remote, cause.toString());
                close(1011, "internal: broker session failed");
            }
            return;
        }
        if (!context.registry().register(this)) {
            close(4429, "too_many_sessions: " + config.maxSessionsPerIdentity + " sessions of this identity are open");
            return;
        }
        registered = true;
        state = State.OPEN;
        context.metrics().sessionOpened();
        LOG.debug("WebSocket session {} open for {}", clientId, remote);
        send(ServerFrames.welcome(keyId, clientId, Boolean.TRUE.equals(sessionPresent), config));
        while (!framesBeforeWelcome.isEmpty() && state == State.OPEN) {
            String text = framesBeforeWelcome.poll();
            try {
                dispatch(ClientFrame.parse(text));
            } catch (ClientFrame.BadFrame e) {
                badFrame("bad_frame", e.getMessage(), e.ref);
            }
        }
        drain();
    }

    private void onSend(ClientFrame frame) {
        if (frame.envelopeJson() == null) {
            badFrame("bad_frame", "send needs an envelope object", frame.ref());
            return;
        }
        EnvelopeRoutes.Route route;
        try {
            route = EnvelopeRoutes.route(frame.envelopeJson());
        } catch (EnvelopeRoutes.Unroutable e) {
            refuse(new Refusal(e.code, e.getMessage(), null), frame.ref(), e.id);
            return;
        }
        if (pendingSends >= config.maxPendingSends) {
            refuse(new Refusal(ErrorCode.RATE_LIMITED.code(), ErrorMapping.retryAfterText(1, config.maxPendingSends
                    + " sends are awaiting the broker's answer"), 1L), frame.ref(), route.id());
            return;
        }
        pendingSends++;
        String ref = frame.ref();
        broker.publish(route.topic(), route.payload()).thenAccept(outcome -> onPublished(ref, route.id(), outcome));
    }

    private synchronized void onPublished(String ref, String id, BrokerSession.PublishOutcome outcome) {
        pendingSends--;
        if (state != State.OPEN) {
            return;
        }
        if (outcome.accepted()) {
            context.metrics().sendAccepted();
            send(ServerFrames.accepted(ref, id));
            return;
        }
        refuse(outcome.refusal(), ref, id);
    }

    private void onAck(ClientFrame frame) {
        if (frame.delivery() == null) {
            badFrame("bad_frame", "ack needs an integer delivery", frame.ref());
            return;
        }
        if (!deliveries.ack(frame.delivery())) {
            String ref = frame.ref() != null ? frame.ref() : String.valueOf(frame.delivery());
            refuse("not_found", "delivery " + frame.delivery() + " is not outstanding", ref);
        }
    }

    // ---------------------------------------------------------------- messages from the broker

    private synchronized void onBrokerPublish(Mqtt5Publish publish) {
        if (state == State.CLOSED) {
            return; // not acknowledged: the broker keeps it for the session's next connection
        }
        deliveries.add(publish);
        LOG.debug("{}: broker message in, {} waiting, {} unacked, {} bytes in flight", clientId,
                deliveries.waitingCount(), deliveries.unackedCount(), deliveries.bytesInFlight());
        try {
            drain();
        } catch (RuntimeException e) {
            LOG.error("Delivering to {} failed; closing it (its broker session keeps the message)", clientId, e);
            close(1011, "internal: delivery failed");
        }
    }

    private synchronized void onBrokerEnded(BrokerSession.EndReason reason) {
        if (state != State.OPEN) {
            return; // a failed connect is reported by onBrokerConnected
        }
        if (reason == BrokerSession.EndReason.TAKEN_OVER) {
            close(4409, "session_taken_over: another connection uses client id " + clientId);
        } else {
            LOG.info("Broker session {} ended; closing its WebSocket from {}", clientId, remote);
            close(1012, "internal: broker connection lost");
        }
    }

    /** Writes waiting messages while the client keeps up. */
    private void drain() {
        if (state == State.OPEN) {
            deliveries.drain();
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes a frame to the client (nothing once closed). */
    void send(String frame) {
        if (state != State.CLOSED) {
            deliveries.write(frame);
        }
    }

    private synchronized void onWritten(long bytes, SendResult result) {
        if (state == State.CLOSED) {
            return; // the close already took this connection's bytes off the gauge
        }
        deliveries.writeDone(bytes, result);
        drain();
    }

    private void refuse(Refusal refusal, String ref, String id) {
        context.metrics().refused(refusal.code());
        send(ServerFrames.error(refusal.code(), refusal.message(), ref, id, refusal.retryAfterSeconds()));
    }

    private void refuse(String code, String message, String ref) {
        refuse(new Refusal(code, message, null), ref, null);
    }

    private void badFrame(String code, String message, String ref) {
        refuse(code, message, ref);
        limits.badFrame();
    }

    // ---------------------------------------------------------------- time

    private synchronized void tick() {
        if (state == State.CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (!limits.closedForSilence(state, now) && deliveries.isSlowConsumer(now)) {
            LOG.info("Closing slow WebSocket client {} from {}: {} bytes unread for {} s", clientId, remote,
                    deliveries.bytesInFlight(), config.slowConsumerTimeout.toSeconds());
            close(4508, "slow_consumer: " + deliveries.bytesInFlight() + " bytes not read for "
                    + config.slowConsumerTimeout.toSeconds() + " s");
        }
    }

    // ---------------------------------------------------------------- closing

    /** Closes the WebSocket with a SPEC §13.6 code and releases everything. */
    synchronized void close(int code, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        if (code == 4401 || code == 4429 || code == 1008) {
            LOG.info("WebSocket client {} ({}) closed with {}: {}", remote, keyId == null ? "-" : keyId, code, reason);
        }
        release(code);
        try {
            ws.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), ServerFrames.fitCloseReason(reason)));
        } catch (IOException | IllegalStateException e) {
            LOG.debug("Close of {} failed: {}", remote, e.toString());
        }
    }

    /** Tyrus reports the end of the connection (either side closed, or the network failed). */
    synchronized void onClosed(int code) {
        if (state != State.CLOSED) {
            release(code);
        }
    }

    private void release(int code) {
        state = State.CLOSED;
        context.metrics().closed(code);
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (broker != null) {
            broker.disconnect(); // unacknowledged messages stay with the broker session
        }
        if (registered) {
            context.metrics().sessionClosed();
        }
        context.registry().closed(this);
        context.metrics().connectionClosed();
        deliveries.release();
        framesBeforeWelcome.clear();
    }
}
