package dev.relay.stack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link RelayStack}. Ports are the well-known ones by default ({@code ./relay up}); 0 picks a free port
 * at start (tests). Everything binds to {@code host}, 127.0.0.1 unless told otherwise.
 */
public final class StackOptions {
    public static final int DEFAULT_MQTT_PORT = 1883;
    public static final int DEFAULT_GATEWAY_PORT = 8081;
    public static final int DEFAULT_AMQP_PORT = 5672;
    public static final int DEFAULT_STOMP_PORT = 61613;
    public static final int DEFAULT_MQTT_TLS_PORT = 8883;
    /** Realm of a new data folder unless one is given; kept in the folder so that keys and tokens stay valid. */
    public static final String DEFAULT_REALM = "relay.local";

    final BrokerKind broker;
    final Path dataDir;
    final String host;
    final int mqttPort;
    final int gatewayPort;
    final int amqpPort;
    final int stompPort;
    final String realm;
    final Map<String, String> relayProperties;
    /** {@code gateway.*} settings (SPEC §13.5 names, e.g. gateway.frames-per-second) for the WebSocket gateway. */
    final Map<String, String> gatewayProperties;
    final boolean bare;
    final Path mqttTlsKeyStore;
    final String mqttTlsPassword;
    final int mqttTlsPort;

    private StackOptions(Builder builder) {
        this.broker = builder.broker;
        this.dataDir = builder.dataDir.toAbsolutePath().normalize();
        this.host = builder.host;
        this.mqttPort = builder.mqttPort;
        this.gatewayPort = builder.gatewayPort;
        this.amqpPort = builder.amqpPort;
        this.stompPort = builder.stompPort;
        this.realm = builder.realm;
        Map<String, String> relay = new java.util.LinkedHashMap<>();
        Map<String, String> gateway = new java.util.LinkedHashMap<>();
        builder.relayProperties.forEach((key, value) -> (key.startsWith("gateway.") ? gateway : relay).put(key, value));
        this.relayProperties = Map.copyOf(relay);
        this.gatewayProperties = Map.copyOf(gateway);
        this.bare = builder.bare;
        this.mqttTlsKeyStore = builder.mqttTlsKeyStore == null ? null
                : builder.mqttTlsKeyStore.toAbsolutePath().normalize();
        this.mqttTlsPassword = builder.mqttTlsPassword;
        this.mqttTlsPort = builder.mqttTlsPort;
    }

    /** Whether the broker also listens for MQTT over TLS. */
    boolean mqttTls() {
        return mqttTlsKeyStore != null;
    }

    public static Builder builder(BrokerKind broker, Path dataDir) {
        return new Builder(broker, dataDir);
    }

    /** Options with every port free-picked: for tests. */
    public static Builder ephemeral(BrokerKind broker, Path dataDir) {
        return builder(broker, dataDir).mqttPort(0).gatewayPort(0).amqpPort(0).stompPort(0).mqttTlsPort(0);
    }

    public static final class Builder {
        private final BrokerKind broker;
        private final Path dataDir;
        private String host = "127.0.0.1";
        private int mqttPort = DEFAULT_MQTT_PORT;
        private int gatewayPort = DEFAULT_GATEWAY_PORT;
        private int amqpPort = DEFAULT_AMQP_PORT;
        private int stompPort = DEFAULT_STOMP_PORT;
        private String realm;
        private final Map<String, String> relayProperties = new LinkedHashMap<>();
        private boolean bare;
        private Path mqttTlsKeyStore;
        private String mqttTlsPassword;
        private int mqttTlsPort = DEFAULT_MQTT_TLS_PORT;

        private Builder(BrokerKind broker, Path dataDir) {
            this.broker = Objects.requireNonNull(broker, "broker");
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder mqttPort(int port) {
            this.mqttPort = port;
            return this;
        }

        public Builder gatewayPort(int port) {
            this.gatewayPort = port;
            return this;
        }

        /** Artemis only. */
        public Builder amqpPort(int port) {
            this.amqpPort = port;
            return this;
        }

        /** Artemis only. */
        public Builder stompPort(int port) {
            this.stompPort = port;
            return this;
        }

        /** The realm for a new data folder; a folder that has one keeps it (changing it would void every token). */
        public Builder realm(String realm) {
            this.realm = realm;
            return this;
        }

        /**
         * Extra {@code relay.*} settings (see docs/operations.md), e.g. rate limits; {@code gateway.*} names go to the
         * WebSocket gateway.
         */
        public Builder relayProperty(String key, String value) {
            relayProperties.put(key, value);
            return this;
        }

        public Builder relayProperties(Map<String, String> values) {
            relayProperties.putAll(values);
            return this;
        }

        /**
         * Also listen for MQTT over TLS ({@code ssl://host:8883}), with the server certificate and key from this key
         * store (PKCS12 or JKS; key password = store password).
         */
        public Builder mqttTls(Path keyStore, String password) {
            this.mqttTlsKeyStore = keyStore;
            this.mqttTlsPassword = password;
            return this;
        }

        /**
         * The broker alone, without Relay: no extension or plugin, no authentication, no gateway. The baseline that
         * the benchmarks compare Relay with; never something to run for real.
         */
        public Builder bare() {
            this.bare = true;
            return this;
        }

        public Builder mqttTlsPort(int port) {
            this.mqttTlsPort = port;
            return this;
        }

        public StackOptions build() {
            return new StackOptions(this);
        }
    }
}
