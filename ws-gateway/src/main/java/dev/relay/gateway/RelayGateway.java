package dev.relay.gateway;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.ssl.SSLEngineConfigurator;
import org.glassfish.grizzly.strategies.WorkerThreadIOStrategy;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: a Grizzly HTTP server on the configured host (127.0.0.1 by default) with the Tyrus WebSocket endpoint
 * at the configured path, {@code /health} for load balancers and {@code /metrics}. Tyrus' stock server binds
 * 0.0.0.0 whatever host it is given, so the gateway builds its own small container on {@link TyrusServerContainer}.
 *
 * <pre>{@code
 * try (RelayGateway gateway = RelayGateway.start(GatewayConfig.builder("my-realm", URI.create("tcp://127.0.0.1:1883")).build())) {
 *     System.out.println(gateway.uri()); // ws://127.0.0.1:8081/relay/v1
 * }
 * }</pre>
 */
public final class RelayGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RelayGateway.class);
    private static final int INCOMING_BUFFER_BYTES = 4 * 1024 * 1024;

    private final GatewayConfig config;
    private final GatewayContext context;
    private final HandshakeGuard guard;
    private final WriteStallWatchdog watchdog;
    private final IdleSocketWatchdog idleSockets;
    private final GatewayContainer container;
    private final HttpServer server;
    private final NetworkListener listener;
    private final BrokerProbe brokerProbe;
    private volatile boolean closed;

    private RelayGateway(GatewayConfig config) throws IOException {
        this.config = config;
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "relay-gateway-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.context = new GatewayContext(config, new GatewayMetrics(),
                new SessionRegistry(config.maxSessionsPerIdentity), scheduler, new SecureRandom());
        this.guard = new HandshakeGuard(context);
        this.watchdog = new WriteStallWatchdog(config.writeStallTimeout);
        this.idleSockets = new IdleSocketWatchdog(config.authTimeout, config.idleTimeout);
        context.metrics().tcpConnections(watchdog::tracked);
        this.brokerProbe = new BrokerProbe(config.brokerUri);
        this.container = new GatewayContainer();
        try {
            container.register(ServerEndpointConfig.Builder.create(GatewayEndpoint.class, config.path)
                    .subprotocols(List.of(GatewayConfig.SUBPROTOCOL))
                    .configurator(guard)
                    .build());
        } catch (DeploymentException e) {
            throw new IOException("cannot deploy the WebSocket endpoint at " + config.path, e);
        }
        this.server = new HttpServer();
        this.listener = new NetworkListener("relay-gateway", config.host, config.port);
        if (config.tls()) {
            listener.setSecure(true);
            listener.setSSLEngineConfig(new SSLEngineConfigurator(sslContext(config), false, false, false));
        }
        listener.getKeepAlive().setIdleTimeoutInSeconds(-1);
        listener.getTransport().setIOStrategy(WorkerThreadIOStrategy.getInstance());
        listener.registerAddOn(new WebSocketAddOn(container, ""));
        TCPNIOTransport transport = listener.getTransport();
        transport.getConnectionMonitoringConfig().addProbes(watchdog, idleSockets);
        server.addListener(listener);
        server.getServerConfiguration().addHttpHandler(new HealthHandler(), "/health");
        server.getServerConfiguration().addHttpHandler(new MetricsHandler(), "/metrics");
    }

    /** Starts a gateway; the port is the configured one, or a free one when it is 0 (see {@link #port()}). */
    public static RelayGateway start(GatewayConfig config) throws IOException {
        RelayGateway gateway = new RelayGateway(config);
        gateway.server.start();
        gateway.context.scheduler().scheduleWithFixedDelay(gateway.watchdog::check, 1, 1, TimeUnit.SECONDS);
        gateway.context.scheduler().scheduleWithFixedDelay(gateway.idleSockets::check, 1, 1, TimeUnit.SECONDS);
        LOG.info("Relay WebSocket gateway listening on {} (realm {}, broker {})", gateway.uri(), config.realm,
                config.brokerUri);
        return gateway;
    }

    public int port() {
        return listener.getPort();
    }

    /** The WebSocket URL clients connect to. */
    public URI uri() {
        return URI.create((config.tls() ? "wss://" : "ws://") + config.host + ":" + port() + config.path);
    }

    /** The HTTP base URL of {@code /health} and {@code /metrics}. */
    public URI httpUri() {
        return URI.create((config.tls() ? "https://" : "http://") + config.host + ":" + port());
    }

    public GatewayConfig config() {
        return config;
    }

    public GatewayMetrics metrics() {
        return context.metrics();
    }

    /** Open sessions of an identity on this gateway (authenticated by the broker). */
    public int sessionsOf(String keyId) {
        return context.registry().sessionsOf(keyId);
    }

    /**
     * Stops accepting handshakes, closes every client with 1001 (their broker sessions stay, with everything they had
     * not acknowledged) and stops the server.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        guard.stopAccepting();
        for (ClientConnection connection : context.registry().all()) {
            connection.close(1001, "gateway shutting down");
        }
        try {
            server.shutdown(2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            server.shutdownNow();
        }
        container.stop();
        context.scheduler().shutdownNow();
        LOG.info("Relay WebSocket gateway on port {} stopped", port());
    }

    private static SSLContext sslContext(GatewayConfig config) throws IOException {
        try (InputStream in = Files.newInputStream(config.tlsKeyStore)) {
            KeyStore keyStore = KeyStore.getInstance(config.tlsKeyStoreType);
            char[] password = config.tlsKeyStorePassword.toCharArray();
            keyStore.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, password);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(keys.getKeyManagers(), null, null);
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use key store " + config.tlsKeyStore + ": " + e.getMessage(), e);
        }
    }

    /** The Tyrus engine behind our own listener (the stock container would bind 0.0.0.0). */
    private final class GatewayContainer extends TyrusServerContainer {
        private final WebSocketEngine engine;

        GatewayContainer() {
            super((Set<Class<?>>) null);
            this.engine = TyrusWebSocketEngine.builder(this).incomingBufferSize(INCOMING_BUFFER_BYTES).build();
        }

        @Override
        public void register(Class<?> endpointClass) throws DeploymentException {
            engine.register(endpointClass, "");
        }

        @Override
        public void register(ServerEndpointConfig serverEndpointConfig) throws DeploymentException {
            engine.register(serverEndpointConfig, "");
        }

        @Override
        public WebSocketEngine getWebSocketEngine() {
            return engine;
        }

        @Override
        public java.util.Map<String, Object> getProperties() {
            return java.util.Map.of();
        }
    }

    /** 200 when the broker accepts TCP connections, else 503: a gateway without its broker cannot serve anyone. */
    private final class HealthHandler extends HttpHandler {
        @Override
        public void service(Request request, Response response) throws IOException {
            boolean brokerUp = brokerProbe.reachable();
            boolean up = brokerUp && !closed;
            response.setStatus(up ? 200 : 503);
            response.setContentType("application/json");
            String body = "{\"status\":\"" + (up ? "ok" : "unavailable") + "\",\"broker\":\""
                    + (brokerUp ? "reachable" : "unreachable") + "\",\"sessions\":" + context.metrics().sessionsOpen()
                    + "}";
            response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final class MetricsHandler extends HttpHandler {
        @Override
        public void service(Request request, Response response) throws IOException {
            response.setContentType("application/json");
            response.getOutputStream().write(context.metrics().toJson().toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A TCP connect to the broker, remembered for two seconds so that health checks cannot hammer it. */
    private static final class BrokerProbe {
        private final URI broker;
        private long checkedAtNanos;
        private boolean reachable;

        BrokerProbe(URI broker) {
            this.broker = broker;
        }

        synchronized boolean reachable() {
            long now = System.nanoTime();
            if (checkedAtNanos != 0 && now - checkedAtNanos < 2_000_000_000L) {
                return reachable;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(broker.getHost(), broker.getPort()), 1000);
                reachable = true;
            } catch (IOException e) {
                reachable = false;
            }
            checkedAtNanos = System.nanoTime();
            return reachable;
        }
    }
}
