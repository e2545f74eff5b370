package dev.relay.stack;

import dev.relay.gateway.GatewayConfig;
import dev.relay.gateway.RelayGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Relay on one machine: a broker with Relay inside (embedded HiveMQ CE with the extension loaded from its zip, or
 * embedded Artemis with the plugin) and the WebSocket gateway in front of it, with all data in one folder. Stopping it
 * and starting it again on the same folder finds every waiting message: the broker's sessions and queues, the relay
 * store and the realm all live there.
 *
 * <pre>{@code
 * try (RelayStack stack = RelayStack.start(StackOptions.builder(BrokerKind.HIVEMQ, Path.of("relay-data")).build())) {
 *     System.out.println(stack.mqttUri() + " " + stack.gatewayUri() + " realm " + stack.realm());
 * }
 * }</pre>
 */
public final class RelayStack implements AutoCloseable {
    /** The file in the data folder that remembers the realm (and the broker) of the folder. */
    public static final String STACK_FILE = "stack.properties";

    private final StackOptions options;
    private final String realm;
    private final EmbeddedBroker broker;
    private final RelayGateway gateway;

    private RelayStack(StackOptions options, String realm, EmbeddedBroker broker, RelayGateway gateway) {
        this.options = options;
        this.realm = realm;
        this.broker = broker;
        this.gateway = gateway;
    }

    /** Starts the broker, then the gateway; if either fails, nothing is left running. */
    public static RelayStack start(StackOptions options) throws IOException {
        Files.createDirectories(options.dataDir);
        String realm = realmOf(options);
        EmbeddedBroker broker = options.broker == BrokerKind.HIVEMQ
                ? HiveMQBroker.start(options, realm)
                : ArtemisBroker.start(options, realm);
        if (options.bare) {
            return new RelayStack(options, realm, broker, null); // nothing for a gateway to authenticate against
        }
        try {
            if (options.gatewayPort != 0) {
                Ports.requireFree(options.host, options.gatewayPort, "Gateway");
            }
            java.util.Properties settings = new java.util.Properties();
            settings.putAll(options.gatewayProperties);
            settings.setProperty("gateway.realm", realm);
            settings.setProperty("gateway.broker-uri", broker.mqttUri().toString());
            settings.setProperty("gateway.host", options.host);
            settings.setProperty("gateway.port", Integer.toString(options.gatewayPort));
            RelayGateway gateway = RelayGateway.start(GatewayConfig.fromProperties(settings));
            return new RelayStack(options, realm, broker, gateway);
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    /**
     * The realm of the data folder: the one stored there, else the requested one (or the default), then stored. A
     * folder of the other broker kind is refused, so that a restart never looks at an empty broker by mistake.
     */
    private static String realmOf(StackOptions options) throws IOException {
        Path file = options.dataDir.resolve(STACK_FILE);
        Properties stored = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                stored.load(in);
            }
        }
        String storedRealm = stored.getProperty("realm");
        String storedBroker = stored.getProperty("broker");
        if (storedBroker != null && !storedBroker.equalsIgnoreCase(options.broker.name())) {
            throw new IOException("data folder " + options.dataDir + " belongs to a " + storedBroker.toLowerCase()
                    + " stack; use --broker " + storedBroker.toLowerCase() + " or another --data folder");
        }
        if (storedRealm != null) {
            if (options.realm != null && !options.realm.equals(storedRealm)) {
                throw new IOException("data folder " + options.dataDir + " has realm '" + storedRealm
                        + "'; a new realm needs a new --data folder (every key's tokens name the realm)");
            }
            return storedRealm;
        }
        String realm = options.realm != null ? options.realm : StackOptions.DEFAULT_REALM;
        stored.setProperty("realm", realm);
        stored.setProperty("broker", options.broker.name().toLowerCase());
        try (OutputStream out = Files.newOutputStream(file)) {
            stored.store(out, "Relay stack: the realm and broker of this data folder");
        }
        return realm;
    }

    public String realm() {
        return realm;
    }

    public BrokerKind brokerKind() {
        return options.broker;
    }

    /** {@code tcp://host:port} of the broker's MQTT listener. */
    public URI mqttUri() {
        return broker.mqttUri();
    }

    /** {@code ssl://host:port} of the MQTT-over-TLS listener, or null when the stack has none. */
    public URI mqttTlsUri() {
        return broker.endpoints().get("mqtts");
    }

    /** {@code ws://host:port/relay/v1} of the WebSocket gateway (null for a bare broker). */
    public URI gatewayUri() {
        return gateway == null ? null : gateway.uri();
    }

    /** {@code http://host:port} of the gateway's /health and /metrics (null for a bare broker). */
    public URI gatewayHttpUri() {
        return gateway == null ? null : gateway.httpUri();
    }

    /** Every endpoint by name, in display order: the broker's listeners, then the gateway. */
    public Map<String, URI> endpoints() {
        Map<String, URI> all = new LinkedHashMap<>(broker.endpoints());
        if (gateway != null) {
            all.put("websocket", gateway.uri());
            all.put("health", gateway.httpUri().resolve("/health"));
        }
        return all;
    }

    public Path dataDir() {
        return options.dataDir;
    }

    /** Stops the gateway (clients get 1001 and reconnect later), then the broker. Data stays. */
    @Override
    public void close() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            broker.close();
        }
    }
}
