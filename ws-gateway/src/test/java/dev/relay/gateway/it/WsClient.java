package dev.relay.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.client.ClientManager;

/**
 * A bare WebSocket client on Tyrus' client that speaks the gateway's frames by hand (SPEC §13), for tests that need
 * to see every frame, send wrong ones or misbehave. Read frames with {@link #next(String)}; the close in {@link #closed()}.
 */
final class WsClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final java.util.List<JsonNode> stash = new java.util.ArrayList<>();
    private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    private final Session session;
    private final ClientManager container;

    private WsClient(URI uri, Map<String, String> headers, javax.net.ssl.SSLContext tls)
            throws DeploymentException, IOException {
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
                .preferredSubprotocols(List.of("relay.v1"))
                .configurator(new ClientEndpointConfig.Configurator() {
                    @Override
                    public void beforeRequest(Map<String, List<String>> requestHeaders) {
                        headers.forEach((name, value) -> requestHeaders.put(name, List.of(value)));
                    }
                })
                .build();
        // One client container per connection: a shared one shuts its executors down when its last session ends,
        // racing with the next connect (seen as RejectedExecutionException from Tyrus' idle timer). Grizzly's, named:
        // the agent client on the test class path brings the JDK container too, and the race came back once both
        // were there for the service loader to choose from.
        this.container = ClientManager.createClient(
                org.glassfish.tyrus.container.grizzly.client.GrizzlyClientContainer.class.getName());
        if (tls != null) {
            container.getProperties().put(org.glassfish.tyrus.client.ClientProperties.SSL_ENGINE_CONFIGURATOR,
                    new org.glassfish.tyrus.client.SslEngineConfigurator(tls, true, false, false));
        }
        this.session = container.connectToServer(new Endpoint() {
            @Override
            public void onOpen(Session session, EndpointConfig endpointConfig) {
                session.setMaxTextMessageBufferSize(8 * 1024 * 1024);
                session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                    try {
                        frames.add(Json.MAPPER.readTree(text));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }

            @Override
            public void onClose(Session session, CloseReason closeReason) {
                closed.complete(closeReason);
            }
        }, config, uri);
    }

    /** Opens a connection without credentials: the gateway will send a challenge. */
    static WsClient open(URI uri) throws DeploymentException, IOException {
        return new WsClient(uri, Map.of(), null);
    }

    static WsClient open(URI uri, Map<String, String> headers) throws DeploymentException, IOException {
        return new WsClient(uri, headers, null);
    }

    /** Opens a {@code wss://} connection trusting what {@code tls} trusts. */
    static WsClient openTls(URI uri, javax.net.ssl.SSLContext tls) throws DeploymentException, IOException {
        return new WsClient(uri, Map.of(), tls);
    }

    /** Challenge, auth with a token for {@code realm} signed by {@code key}, and the welcome frame. */
    static WsClient authenticated(URI uri, RelayKeyPair key, String realm, String session) throws Exception {
        return authenticated(uri, key, realm, session, false);
    }

    /** As above; {@code transientSession} asks for a session that ends with the connection (SPEC §13.3). */
    static WsClient authenticated(URI uri, RelayKeyPair key, String realm, String session, boolean transientSession)
            throws Exception {
        WsClient client = open(uri);
        JsonNode challenge = client.next("challenge");
        ObjectNode auth = (ObjectNode) Json.MAPPER.readTree(client.authFrame(key, realm,
                challenge.get("nonce").asText(), session));
        if (transientSession) {
            auth.put("transient", true);
        }
        client.send(auth.toString());
        JsonNode welcome = client.next("welcome");
        if (welcome == null) {
            throw new IllegalStateException("no welcome; closed with " + client.closed().getNow(null));
        }
        return client;
    }

    String authFrame(RelayKeyPair key, String realm, String nonce, String sessionSuffix) throws RelayException {
        ObjectNode frame = Json.MAPPER.createObjectNode();
        frame.put("type", "auth");
        frame.put("key_id", key.keyId().toString());
        frame.put("token", ConnectToken.create(key, realm, Instant.now().getEpochSecond(),
                Base64Url.decode(nonce, "nonce")).password());
        if (sessionSuffix != null) {
            frame.put("session", sessionSuffix);
        }
        return frame.toString();
    }

    void send(String text) throws IOException {
        try {
            session.getBasicRemote().sendText(text);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // The frame went out, but the gateway closed the connection meanwhile and Tyrus' client container shut its
            // timer down: the close reason tells the test what happened.
        }
    }

    /** A send frame with the envelope's JSON as its envelope member. */
    void sendEnvelope(String ref, Envelope envelope) throws IOException {
        send("{\"type\":\"send\",\"ref\":\"" + ref + "\",\"envelope\":"
                + new String(envelope.toJson(), StandardCharsets.UTF_8) + "}");
    }

    void ack(long delivery) throws IOException {
        send("{\"type\":\"ack\",\"delivery\":" + delivery + "}");
    }

    /**
     * The next frame of this type, or null after the timeout. Frames of other types that come first are kept for
     * later calls (a relay's response can overtake the {@code accepted} of its request).
     */
    JsonNode next(String type) throws InterruptedException {
        return next(type, TIMEOUT);
    }

    synchronized JsonNode next(String type, Duration timeout) throws InterruptedException {
        for (java.util.Iterator<JsonNode> it = stash.iterator(); it.hasNext(); ) {
            JsonNode frame = it.next();
            if (type.equals(frame.path("type").asText())) {
                it.remove();
                return frame;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            JsonNode frame = frames.poll(left, TimeUnit.NANOSECONDS);
            if (frame == null) {
                return null;
            }
            if (type.equals(frame.path("type").asText())) {
                return frame;
            }
            stash.add(frame);
        }
    }

    /** The envelope of a message frame, parsed and signature-checked as a client must (SPEC §3.8). */
    static Envelope envelopeOf(JsonNode messageFrame) throws RelayException {
        Envelope envelope = Envelope.parse(messageFrame.get("envelope").toString().getBytes(StandardCharsets.UTF_8));
        envelope.verify();
        return envelope;
    }

    CompletableFuture<CloseReason> closed() {
        return closed;
    }

    /** The close reason, waiting up to the timeout. */
    CloseReason awaitClose() throws Exception {
        return closed.get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    Session session() {
        return session;
    }

    @Override
    public void close() {
        try {
            if (session.isOpen()) {
                session.close();
            }
        } catch (IOException | IllegalStateException e) {
            // already gone
        }
        container.shutdown();
    }
}
