package dev.relay.gateway;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything an operator can set on a gateway (docs/gateway.md lists the property names). Immutable; build with
 * {@link #builder(String, URI)} or read from properties with {@link #fromProperties(Properties)}. The defaults are the
 * limits of SPEC §13.5.
 */
public final class GatewayConfig {
    public static final String SUBPROTOCOL = "relay.v1";
    public static final String DEFAULT_PATH = "/relay/v1";
    public static final int DEFAULT_PORT = 8081;

    public final String realm;
    public final URI brokerUri;
    public final String host;
    public final int port;
    public final String path;
    public final Path tlsKeyStore;
    public final String tlsKeyStorePassword;
    public final String tlsKeyStoreType;
    public final int maxFrameBytes;
    public final int maxUnacked;
    public final long maxBytesInFlight;
    public final Duration slowConsumerTimeout;
    public final Duration writeStallTimeout;
    public final int maxPendingSends;
    public final Duration publishTimeout;
    public final int framesPerSecond;
    public final int frameBurst;
    public final int maxRefusedFramesInARow;
    public final int maxBadFrames;
    public final Duration idleTimeout;
    public final Duration authTimeout;
    public final int maxSessionsPerIdentity;
    public final int maxSessions;
    public final int handshakesPerWindow;
    public final Duration handshakeWindow;
    public final long sessionExpirySeconds;
    public final Duration brokerConnectTimeout;

    private GatewayConfig(Builder b) {
        this.realm = require(b.realm, "realm");
        this.brokerUri = Objects.requireNonNull(b.brokerUri, "broker uri");
        if (!"tcp".equals(brokerUri.getScheme()) && !"mqtt".equals(brokerUri.getScheme())) {
            throw new IllegalArgumentException("broker uri must be tcp://host:port or mqtt://host:port, not " + brokerUri);
        }
        if (brokerUri.getHost() == null || brokerUri.getPort() <= 0) {
            throw new IllegalArgumentException("broker uri needs a host and a port: " + brokerUri);
        }
        this.host = require(b.host, "host");
        this.port = b.port;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.path = b.path.startsWith("/") ? b.path : "/" + b.path;
        this.tlsKeyStore = b.tlsKeyStore;
        this.tlsKeyStorePassword = b.tlsKeyStorePassword;
        this.tlsKeyStoreType = b.tlsKeyStoreType;
        this.maxFrameBytes = positive(b.maxFrameBytes, "max frame bytes");
        this.maxUnacked = positive(b.maxUnacked, "max unacked");
        if (maxUnacked > 65535) {
            throw new IllegalArgumentException("max unacked is an MQTT receive maximum: at most 65535");
        }
        this.maxBytesInFlight = positive(b.maxBytesInFlight, "max bytes in flight");
        this.slowConsumerTimeout = b.slowConsumerTimeout;
        this.writeStallTimeout = b.writeStallTimeout;
        this.maxPendingSends = positive(b.maxPendingSends, "max pending sends");
        this.publishTimeout = b.publishTimeout;
        this.framesPerSecond = positive(b.framesPerSecond, "frames per second");
        this.frameBurst = Math.max(b.frameBurst, framesPerSecond);
        this.maxRefusedFramesInARow = positive(b.maxRefusedFramesInARow, "max refused frames in a row");
        this.maxBadFrames = positive(b.maxBadFrames, "max bad frames");
        this.idleTimeout = b.idleTimeout;
        this.authTimeout = b.authTimeout;
        this.maxSessionsPerIdentity = positive(b.maxSessionsPerIdentity, "max sessions per identity");
        this.maxSessions = positive(b.maxSessions, "max sessions");
        this.handshakesPerWindow = positive(b.handshakesPerWindow, "handshakes per window");
        this.handshakeWindow = b.handshakeWindow;
        this.sessionExpirySeconds = b.sessionExpirySeconds;
        this.brokerConnectTimeout = b.brokerConnectTimeout;
    }

    public static Builder builder(String realm, URI brokerUri) {
        Builder builder = new Builder();
        builder.realm = realm;
        builder.brokerUri = brokerUri;
        return builder;
    }

    /**
     * Reads {@code gateway.*} properties; {@code gateway.realm} and {@code gateway.broker-uri} are required, the rest
     * default as in SPEC §13.5. Unknown {@code gateway.*} names are refused so that a typo does not go unnoticed.
     */
    public static GatewayConfig fromProperties(Properties properties) {
        Map<String, String> values = new java.util.TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith("gateway.")) {
                values.put(name.substring("gateway.".length()), properties.getProperty(name).trim());
            }
        }
        String realm = values.remove("realm");
        String broker = values.remove("broker-uri");
        if (realm == null || realm.isEmpty()) {
            throw new IllegalArgumentException("gateway.realm is required (the realm of the relay in the broker)");
        }
        if (broker == null || broker.isEmpty()) {
            throw new IllegalArgumentException("gateway.broker-uri is required, e.g. tcp://127.0.0.1:1883");
        }
        Builder b = builder(realm, URI.create(broker));
        for (Map.Entry<String, String> entry : values.entrySet()) {
            String v = entry.getValue();
            switch (entry.getKey()) {
                case "host" -> b.host(v);
                case "port" -> b.port(Integer.parseInt(v));
                case "path" -> b.path(v);
                case "tls.key-store" -> b.tlsKeyStore(Path.of(v));
                case "tls.key-store-password" -> b.tlsKeyStorePassword = v;
                case "tls.key-store-type" -> b.tlsKeyStoreType = v.toUpperCase(Locale.ROOT);
                case "max-frame-bytes" -> b.maxFrameBytes(Integer.parseInt(v));
                case "max-unacked" -> b.maxUnacked(Integer.parseInt(v));
                case "max-bytes-in-flight" -> b.maxBytesInFlight(Long.parseLong(v));
                case "slow-consumer-timeout-seconds" -> b.slowConsumerTimeout(seconds(v));
                case "write-stall-timeout-seconds" -> b.writeStallTimeout(seconds(v));
                case "max-pending-sends" -> b.maxPendingSends(Integer.parseInt(v));
                case "publish-timeout-seconds" -> b.publishTimeout(seconds(v));
                case "frames-per-second" -> b.framesPerSecond(Integer.parseInt(v));
                case "frame-burst" -> b.frameBurst(Integer.parseInt(v));
                case "idle-timeout-seconds" -> b.idleTimeout(seconds(v));
                case "auth-timeout-seconds" -> b.authTimeout(seconds(v));
                case "max-sessions-per-identity" -> b.maxSessionsPerIdentity(Integer.parseInt(v));
                case "max-sessions" -> b.maxSessions(Integer.parseInt(v));
                case "handshakes-per-window" -> b.handshakesPerWindow(Integer.parseInt(v));
                case "handshake-window-seconds" -> b.handshakeWindow(seconds(v));
                case "session-expiry-seconds" -> b.sessionExpirySeconds(Long.parseLong(v));
                default -> throw new IllegalArgumentException("unknown setting gateway." + entry.getKey());
            }
        }
        return b.build();
    }

    /** Whether the WebSocket listener speaks TLS (wss). */
    public boolean tls() {
        return tlsKeyStore != null;
    }

    private static Duration seconds(String value) {
        return Duration.ofSeconds(Long.parseLong(value));
    }

    private static String require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
        return value;
    }

    private static int positive(int value, String what) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + value);
        }
        return value;
    }

    private static long positive(long value, String what) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + value);
        }
        return value;
    }

    /** Builder with the SPEC §13.5 defaults. */
    public static final class Builder {
        private String realm;
        private URI brokerUri;
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private String path = DEFAULT_PATH;
        private Path tlsKeyStore;
        private String tlsKeyStorePassword = "";
        private String tlsKeyStoreType = "PKCS12";
        private int maxFrameBytes = 327_680;
        private int maxUnacked = 32;
        private long maxBytesInFlight = 1L << 20;
        private Duration slowConsumerTimeout = Duration.ofSeconds(30);
        private Duration writeStallTimeout = Duration.ofSeconds(60);
        private int maxPendingSends = 32;
        private Duration publishTimeout = Duration.ofSeconds(30);
        private int framesPerSecond = 100;
        private int frameBurst = 200;
        private int maxRefusedFramesInARow = 200;
        private int maxBadFrames = 20;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration authTimeout = Duration.ofSeconds(10);
        private int maxSessionsPerIdentity = 8;
        private int maxSessions = 10_000;
        private int handshakesPerWindow = 20;
        private Duration handshakeWindow = Duration.ofSeconds(10);
        private long sessionExpirySeconds = 604_800;
        private Duration brokerConnectTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        public Builder host(String host) { this.host = host; return this; }
        public Builder port(int port) { this.port = port; return this; }
        public Builder path(String path) { this.path = path; return this; }
        public Builder tls(Path keyStore, String password, String type) {
            this.tlsKeyStore = keyStore;
            this.tlsKeyStorePassword = password;
            this.tlsKeyStoreType = type;
            return this;
        }
        public Builder tlsKeyStore(Path keyStore) { this.tlsKeyStore = keyStore; return this; }
        public Builder maxFrameBytes(int v) { this.maxFrameBytes = v; return this; }
        public Builder maxUnacked(int v) { this.maxUnacked = v; return this; }
        public Builder maxBytesInFlight(long v) { this.maxBytesInFlight = v; return this; }
        public Builder slowConsumerTimeout(Duration v) { this.slowConsumerTimeout = v; return this; }
        public Builder writeStallTimeout(Duration v) { this.writeStallTimeout = v; return this; }
        public Builder maxPendingSends(int v) { this.maxPendingSends = v; return this; }
        public Builder publishTimeout(Duration v) { this.publishTimeout = v; return this; }
        public Builder framesPerSecond(int v) { this.framesPerSecond = v; return this; }
        public Builder frameBurst(int v) { this.frameBurst = v; return this; }
        public Builder maxRefusedFramesInARow(int v) { this.maxRefusedFramesInARow = v; return this; }
        public Builder maxBadFrames(int v) { this.maxBadFrames = v; return this; }
        public Builder idleTimeout(Duration v) { this.idleTimeout = v; return this; }
        public Builder authTimeout(Duration v) { this.authTimeout = v; return this; }
        public Builder maxSessionsPerIdentity(int v) { this.maxSessionsPerIdentity = v; return this; }
        public Builder maxSessions(int v) { this.maxSessions = v; return this; }
        public Builder handshakesPerWindow(int v) { this.handshakesPerWindow = v; return this; }
        public Builder handshakeWindow(Duration v) { this.handshakeWindow = v; return this; }
        public Builder sessionExpirySeconds(long v) { this.sessionExpirySeconds = v; return this; }
        public Builder brokerConnectTimeout(Duration v) { this.brokerConnectTimeout = v; return this; }

        public GatewayConfig build() {
            return new GatewayConfig(this);
        }
    }
}
