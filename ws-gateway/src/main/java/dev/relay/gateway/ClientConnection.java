package dev.relay.gateway;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket client: authentication (SPEC §13.2), its broker session (§13.3), the frames (§13.4) and the limits
 * (§13.5). All state is guarded by this object's lock; events come from Tyrus' read threads, the MQTT client's threads,
 * write completions and the shared scheduler.
 *
 * <p>Flow control: messages from the broker are written to the client only while fewer than {@code max_bytes_in_flight}
 * bytes are still waiting for the network; the rest wait here, and since nothing is acknowledged to the broker before
 * the client's {@code ack}, the broker stops after {@code max_unacked} messages (MQTT receive maximum). Memory per
 * connection is therefore bounded by max_unacked envelopes plus the bytes in flight.
 */
final class ClientConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final Pattern RETRY_AFTER = Pattern.compile("^retry_after=(\\d{1,9})");
    private static final int MAX_FRAMES_BEFORE_WELCOME = 16;

    enum State { AWAIT_AUTH, CONNECTING, OPEN, CLOSED }

    private final GatewayContext context;
    private final GatewayConfig config;
    private final Session ws;
    private final String remote;
    private final long openedNanos = System.nanoTime();
    private final RateBucket frameBudget;
    private final ArrayDeque<Mqtt5Publish> waiting = new ArrayDeque<>();
    private final Map<Long, Mqtt5Publish> unacked = new HashMap<>();
    private final ArrayDeque<String> framesBeforeWelcome = new ArrayDeque<>();
    private State state = State.AWAIT_AUTH;
    private String challengeNonce;
    private String keyId;
    private String clientId;
    private BrokerSession broker;
    private boolean registered;
    private long lastHeardNanos = System.nanoTime();
    private int badFrames;
    private int refusedInARow;
    private long lastRateErrorNanos;
    private long nextDelivery = 1;
    private long bytesInFlight;
    private long overLimitSinceNanos;
    private int pendingSends;
    private boolean draining;
    private ScheduledFuture<?> ticker;

    ClientConnection(GatewayContext context, Session ws, String remote) {
        this.context = context;
        this.config = context.config();
        this.ws = ws;
        this.remote = remote;
        this.frameBudget = new RateBucket(config.frameBurst, config.framesPerSecond, openedNanos);
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
        write(ServerFrames.challenge(challengeNonce, config.realm, config.authTimeout.toSeconds()));
    }

    // ---------------------------------------------------------------- frames from the client

    synchronized void onText(String text) {
        if (state == State.CLOSED) {
            return;
        }
        long now = System.nanoTime();
        lastHeardNanos = now;
        context.metrics().frameIn();
        if (exceedsFrameLimit(text)) {
            // Tyrus checks the size of fragmented messages only; a single big frame is refused here.
            context.metrics().refused("too_large");
            close(1009, "too_large: frame larger than " + config.maxFrameBytes + " bytes");
            return;
        }
        if (!frameBudget.tryTake(now)) {
            onFlood(now);
            return;
        }
        refusedInARow = 0;
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
        lastHeardNanos = System.nanoTime();
        context.metrics().frameIn();
        if (state == State.AWAIT_AUTH) {
            close(1008, "the first frame must be auth");
        } else {
            badFrame("bad_frame", "binary frames are not used; send JSON text frames", null);
        }
    }

    synchronized void onPong() {
        lastHeardNanos = System.nanoTime();
    }

    private void dispatch(ClientFrame frame) {
        switch (frame.type()) {
            case "send" -> onSend(frame);
            case "ack" -> onAck(frame);
            case "ping" -> write(ServerFrames.pong(frame.ref(), System.currentTimeMillis()));
            case "auth" -> badFrame("bad_frame", "already authenticated", frame.ref());
            default -> badFrame("unknown_frame", "unknown frame type \"" + shorten(frame.type()) + "\"", frame.ref());
        }
    }

    private void onAuth(ClientFrame frame) {
        KeyId key;
        ConnectToken token;
        try {
            if (frame.keyId() == null || frame.token() == null) {
                throw new RelayException(ErrorCode.BAD_CREDENTIALS, "auth needs key_id and token");
            }
            key = KeyId.parse(frame.keyId());
            token = ConnectToken.parse(frame.token());
        } catch (RelayException e) {
            close(4401, "bad_credentials: " + e.getMessage());
            return;
        }
        if (!token.nonce().equals(challengeNonce)) {
            close(4401, "bad_credentials: the token's nonce is not this connection's challenge nonce");
            return;
        }
        String session = frame.session() == null ? HandshakeGuard.DEFAULT_SESSION : frame.session();
        if (!HandshakeGuard.validSession(session)) {
            close(4401, "bad_client_id: session must be 1..20 characters of [A-Za-z0-9_-]");
            return;
        }
        connectBroker(key.toString(), frame.token(), session, frame.transientSession());
    }

    private void connectBroker(String keyId, String token, String session, boolean transientSession) {
        state = State.CONNECTING;
        this.keyId = keyId;
        this.clientId = keyId + "." + session;
        BrokerSession created = new BrokerSession(config, keyId, clientId, this::onBrokerPublish, this::onBrokerEnded);
        broker = created;
        created.connect(token, transientSession).whenComplete((sessionPresent, failure) -> onBrokerConnected(sessionPresent, failure));
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
        write(ServerFrames.welcome(keyId, clientId, Boolean.TRUE.equals(sessionPresent), config));
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
            refuse(e.code, e.getMessage(), frame.ref(), e.id, null);
            return;
        }
        if (pendingSends >= config.maxPendingSends) {
            refuse("rate_limited", "retry_after=1; " + config.maxPendingSends + " sends are awaiting the broker's answer",
                    frame.ref(), route.id(), 1L);
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
            write(ServerFrames.accepted(ref, id));
            return;
        }
        refuse(outcome.code(), outcome.message(), ref, id, retryAfter(outcome.code(), outcome.message()));
    }

    private void onAck(ClientFrame frame) {
        if (frame.delivery() == null) {
            badFrame("bad_frame", "ack needs an integer delivery", frame.ref());
            return;
        }
        Mqtt5Publish publish = unacked.remove(frame.delivery());
        if (publish == null) {
            String ref = frame.ref() != null ? frame.ref() : String.valueOf(frame.delivery());
            refuse("not_found", "delivery " + frame.delivery() + " is not outstanding", ref, null, null);
            return;
        }
        publish.acknowledge();
        context.metrics().acked();
    }

    // ---------------------------------------------------------------- messages from the broker

    private synchronized void onBrokerPublish(Mqtt5Publish publish) {
        if (state == State.CLOSED) {
            return; // not acknowledged: the broker keeps it for the session's next connection
        }
        waiting.add(publish);
        LOG.debug("{}: broker message in, {} waiting, {} unacked, {} bytes in flight", clientId, waiting.size(),
                unacked.size(), bytesInFlight);
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
        if (state != State.OPEN || draining) {
            return;
        }
        draining = true;
        try {
            while (state == State.OPEN && !waiting.isEmpty() && bytesInFlight < config.maxBytesInFlight) {
                Mqtt5Publish publish = waiting.poll();
                String envelope = EnvelopeRoutes.asJsonObject(publish.getPayload().orElse(ByteBuffer.allocate(0)));
                if (envelope == null) {
                    LOG.warn("Dropping a payload on {} that is not a JSON object (acknowledged to the broker)",
                            publish.getTopic());
                    publish.acknowledge();
                    continue;
                }
                long delivery = nextDelivery++;
                unacked.put(delivery, publish);
                context.metrics().delivered();
                write(ServerFrames.message(delivery, envelope));
            }
        } finally {
            draining = false;
        }
        if (bytesInFlight >= config.maxBytesInFlight) {
            if (overLimitSinceNanos == 0) {
                overLimitSinceNanos = System.nanoTime();
            }
        } else {
            overLimitSinceNanos = 0;
        }
    }

    // ---------------------------------------------------------------- writing

    private void write(String frame) {
        if (state == State.CLOSED) {
            return;
        }
        long bytes = utf8Length(frame);
        bytesInFlight += bytes;
        context.metrics().bytesInFlight(bytes);
        context.metrics().frameOut();
        try {
            ws.getAsyncRemote().sendText(frame, result -> onWritten(bytes, result));
        } catch (RuntimeException e) {
            onWritten(bytes, new SendResult(ws, e));
        }
    }

    private synchronized void onWritten(long bytes, SendResult result) {
        if (state == State.CLOSED) {
            return; // the close already took this connection's bytes off the gauge
        }
        bytesInFlight -= bytes;
        context.metrics().bytesInFlight(-bytes);
        if (!result.isOK()) {
            LOG.debug("Write to {} failed: {}", remote, String.valueOf(result.getException()));
        }
        drain();
    }

    private void refuse(String code, String message, String ref, String id, Long retryAfter) {
        context.metrics().refused(code);
        write(ServerFrames.error(code, message, ref, id, retryAfter));
    }

    private void badFrame(String code, String message, String ref) {
        refuse(code, message, ref, null, null);
        if (++badFrames >= config.maxBadFrames) {
            close(1008, badFrames + " bad frames");
        }
    }

    private void onFlood(long now) {
        refusedInARow++;
        context.metrics().refused("rate_limited");
        if (refusedInARow >= config.maxRefusedFramesInARow) {
            close(1008, "frame flood");
            return;
        }
        if (now - lastRateErrorNanos >= 1_000_000_000L) {
            lastRateErrorNanos = now;
            long retry = frameBudget.secondsUntilToken(now);
            write(ServerFrames.error("rate_limited", "retry_after=" + retry + "; more than " + config.framesPerSecond
                    + " frames per second", null, null, retry));
        }
    }

    // ---------------------------------------------------------------- time

    private synchronized void tick() {
        if (state == State.CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (state == State.AWAIT_AUTH && now - openedNanos > config.authTimeout.toNanos()) {
            close(4408, "idle_timeout: no auth frame within " + config.authTimeout.toSeconds() + " s");
            return;
        }
        if (state == State.OPEN && now - lastHeardNanos > config.idleTimeout.toNanos()) {
            close(4408, "idle_timeout: nothing heard for " + config.idleTimeout.toSeconds() + " s");
            return;
        }
        if (overLimitSinceNanos != 0 && now - overLimitSinceNanos > config.slowConsumerTimeout.toNanos()) {
            LOG.info("Closing slow WebSocket client {} from {}: {} bytes unread for {} s", clientId, remote,
                    bytesInFlight, config.slowConsumerTimeout.toSeconds());
            close(4508, "slow_consumer: " + bytesInFlight + " bytes not read for "
                    + config.slowConsumerTimeout.toSeconds() + " s");
            return;
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
            ws.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), fitCloseReason(reason)));
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
        context.metrics().bytesInFlight(-bytesInFlight);
        waiting.clear();
        unacked.clear();
        framesBeforeWelcome.clear();
    }

    private static Long retryAfter(String code, String message) {
        if (!"rate_limited".equals(code) || message == null) {
            return null;
        }
        Matcher matcher = RETRY_AFTER.matcher(message);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : null;
    }

    private boolean exceedsFrameLimit(String text) {
        int max = config.maxFrameBytes;
        return text.length() > max || text.length() * 3L > max && utf8Length(text) > max;
    }

    /** UTF-8 size without encoding a copy (frames carry envelopes of up to 256 KiB). */
    static long utf8Length(String text) {
        long bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1; // a surrogate pair is 4 bytes in all
            }
        }
        return bytes;
    }

    /** A close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
    static String fitCloseReason(String reason) {
        String fitted = reason;
        while (fitted.getBytes(StandardCharsets.UTF_8).length > 123) {
            fitted = fitted.substring(0, fitted.length() - 1);
        }
        return fitted;
    }

    private static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
