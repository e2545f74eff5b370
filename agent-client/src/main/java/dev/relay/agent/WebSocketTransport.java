package dev.relay.agent;

import dev.relay.agent.AgentFrames.Welcome;
import dev.relay.client.ClientSupport;
import dev.relay.client.ClientTransport;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.KeyId;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.DeploymentException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.ClientProperties;
import org.glassfish.tyrus.container.jdk.client.JdkClientContainer;

/**
 * The WebSocket gateway (SPEC §13) as a {@link ClientTransport}: a Tyrus client on the JDK's own sockets (no Grizzly),
 * one {@link GatewayConnection} per connection, the {@code relay.v1} subprotocol, keep-alive pings, and SPEC §13.6's
 * rule for which ends are worth a reconnect.
 */
final class WebSocketTransport implements ClientTransport {
    // The gateway answers every send within 30 s itself (internal); the local timeout only guards against a stuck one.
    private static final Duration SEND_TIMEOUT_MARGIN = Duration.ofSeconds(5);

    private final URI uri;
    private final KeyId keyId;
    private final String expectedRealm;
    private final String sessionSuffix;
    private final boolean transientSession;
    private final Duration sendTimeout;
    private final ClientManager client = ClientManager.createClient(JdkClientContainer.class.getName());
    private final ClientEndpointConfig endpointConfig = ClientEndpointConfig.Builder.create()
            .preferredSubprotocols(List.of(AgentFrames.SUBPROTOCOL)).build();
    private final ScheduledThreadPoolExecutor scheduler; // keep-alive pings
    private final ThreadFactory writerThreads = ClientSupport.daemonThreads("relay-agent-writer");
    private final AtomicLong refs = new AtomicLong();
    private volatile Welcome lastWelcome;

    WebSocketTransport(URI uri, KeyId keyId, String expectedRealm, String sessionSuffix, boolean transientSession,
                       Duration requestTimeout, Duration connectTimeout) {
        this.uri = uri;
        this.keyId = keyId;
        this.expectedRealm = expectedRealm;
        this.sessionSuffix = sessionSuffix;
        this.transientSession = transientSession;
        this.sendTimeout = requestTimeout.plus(SEND_TIMEOUT_MARGIN);
        this.scheduler = new ScheduledThreadPoolExecutor(1, ClientSupport.daemonThreads("relay-agent-keepalive"));
        scheduler.setRemoveOnCancelPolicy(true);
        client.getProperties().put(ClientProperties.HANDSHAKE_TIMEOUT, (int) connectTimeout.toMillis());
    }

    @Override
    public Connection newConnection(Listener listener) {
        return new GatewayConnection(this, listener);
    }

    @Override
    public String endpoint() {
        return uri.toString();
    }

    /** SPEC §13.6: not after a refusal that needs a change first (a wrong key or realm, 4409, 4429, 1008, ...). */
    @Override
    public boolean shouldReconnect(RelayClientException cause) {
        return ReconnectPolicy.shouldReconnect(cause);
    }

    @Override
    public void release() {
        scheduler.shutdownNow();
        client.shutdown();
    }

    void open(GatewayConnection connection) throws DeploymentException, IOException {
        client.connectToServer(connection, endpointConfig, uri);
    }

    /** The {@code auth} frame answering a challenge with {@code token}; remembers nothing else of it. */
    String authFrame(ConnectToken token) {
        return AgentFrames.auth(keyId.toString(), token.password(), sessionSuffix, transientSession);
    }

    void welcomed(Welcome welcome) {
        lastWelcome = welcome;
    }

    Welcome lastWelcome() {
        return lastWelcome;
    }

    String expectedRealm() {
        return expectedRealm;
    }

    Duration sendTimeout() {
        return sendTimeout;
    }

    long nextRef() {
        return refs.incrementAndGet();
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    ThreadFactory writerThreads() {
        return writerThreads;
    }
}
