package dev.relay.gateway;

import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.glassfish.tyrus.core.HandshakeException;
import org.glassfish.tyrus.core.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides the HTTP handshake (SPEC §13.1): handshakes per remote address, the total session limit, and the syntax of a
 * ready token in the {@code Authorization} header or the query (SPEC §13.2 (b)). Refusals are thrown as Tyrus'
 * {@link HandshakeException}, which answers with the HTTP status and creates no WebSocket session (a plain
 * {@code setStatus(401)} would still open one). What it learnt goes to the session's user properties.
 */
final class HandshakeGuard extends ServerEndpointConfig.Configurator {
    static final String CREDENTIALS = "relay.credentials";
    static final String REMOTE = "relay.remote";
    static final String DEFAULT_SESSION = "ws";
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9_-]{1,20}");
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeGuard.class);

    private final GatewayContext context;
    private final Map<String, RateBucket> handshakesByAddress = new HashMap<>();
    private volatile boolean accepting = true;

    HandshakeGuard(GatewayContext context) {
        this.context = context;
    }

    void stopAccepting() {
        accepting = false;
    }

    @Override
    public <T> T getEndpointInstance(Class<T> endpointClass) {
        return endpointClass.cast(new GatewayEndpoint(context));
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
        String remote = request instanceof RequestContext context ? context.getRemoteAddr() : "unknown";
        if (!tryHandshake(remote)) {
            long retryAfter = Math.max(1, context.config().handshakeWindow.toSeconds());
            response.getHeaders().put("Retry-After", List.of(String.valueOf(retryAfter)));
            refuse(429, remote, "too many handshakes from this address");
        }
        if (!accepting || context.registry().connectionCount() >= context.config().maxSessions) {
            refuse(503, remote, accepting ? "gateway at its session limit" : "gateway shutting down");
        }
        HandshakeCredentials credentials;
        try {
            credentials = credentials(request);
        } catch (IllegalArgumentException e) {
            refuse(401, remote, e.getMessage());
            return;
        }
        config.getUserProperties().put(REMOTE, remote);
        if (credentials != null) {
            config.getUserProperties().put(CREDENTIALS, credentials);
        }
    }

    /** The session suffix rule of SPEC §2.6 / §13.2. */
    static boolean validSession(String session) {
        return session != null && SESSION.matcher(session).matches();
    }

    private void refuse(int status, String remote, String why) {
        context.metrics().handshakeRefused();
        LOG.info("WebSocket handshake from {} refused with HTTP {}: {}", remote, status, why);
        throwUnchecked(new HandshakeException(status, why));
    }

    /**
     * modifyHandshake cannot declare Tyrus' checked HandshakeException, yet throwing it is the one way to refuse a
     * handshake with an HTTP status and no session: the engine catches it and answers with its status.
     */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void throwUnchecked(Throwable failure) throws E {
        throw (E) failure;
    }

    private synchronized boolean tryHandshake(String remote) {
        long now = System.nanoTime();
        if (handshakesByAddress.size() > 10_000) {
            // Forget addresses whose bucket refilled, so the map cannot grow without bound.
            for (Iterator<RateBucket> it = handshakesByAddress.values().iterator(); it.hasNext(); ) {
                if (it.next().isFull(now)) {
                    it.remove();
                }
            }
        }
        GatewayConfig config = context.config();
        double perSecond = config.handshakesPerWindow / (double) Math.max(1, config.handshakeWindow.toSeconds());
        return handshakesByAddress
                .computeIfAbsent(remote, r -> new RateBucket(config.handshakesPerWindow, perSecond, now))
                .tryTake(now);
    }

    private static HandshakeCredentials credentials(HandshakeRequest request) {
        String keyId = null;
        String token = null;
        String session = first(request.getHeaders(), "Relay-Session");
        String transientSession = first(request.getHeaders(), "Relay-Transient");
        String authorization = first(request.getHeaders(), "Authorization");
        if (authorization != null) {
            String[] parts = authorization.trim().split(" +");
            if (parts.length != 3 || !"Relay".equalsIgnoreCase(parts[0])) {
                throw new IllegalArgumentException("Authorization must be \"Relay <key id> <token>\"");
            }
            keyId = parts[1];
            token = parts[2];
        } else {
            Map<String, List<String>> query = request.getParameterMap();
            keyId = first(query, "key_id");
            token = first(query, "token");
            if (keyId == null && token == null) {
                return null;
            }
            if (keyId == null || token == null) {
                throw new IllegalArgumentException("query credentials need both key_id and token");
            }
            if (session == null) {
                session = first(query, "session");
            }
            if (transientSession == null) {
                transientSession = first(query, "transient");
            }
        }
        try {
            KeyId.parse(keyId);
            ConnectToken.parse(token);
        } catch (RelayException e) {
            throw new IllegalArgumentException(e.reasonString());
        }
        if (session == null) {
            session = DEFAULT_SESSION;
        } else if (!validSession(session)) {
            throw new IllegalArgumentException("bad_client_id: session must be 1..20 characters of [A-Za-z0-9_-]");
        }
        if (transientSession != null && !transientSession.equals("true") && !transientSession.equals("false")) {
            throw new IllegalArgumentException("transient must be true or false");
        }
        return new HandshakeCredentials(keyId, token, session, "true".equals(transientSession));
    }

    private static String first(Map<String, List<String>> map, String name) {
        for (Map.Entry<String, List<String>> entry : map.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
                return entry.getValue().get(0);
            }
        }
        return null;
    }
}
