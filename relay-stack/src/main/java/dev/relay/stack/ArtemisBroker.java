package dev.relay.stack;

import dev.relay.artemis.RelayBrokerPlugin;
import dev.relay.artemis.RelaySecurityManager;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;

/**
 * Embedded Apache Artemis with the Relay plugin (it installs its interceptors) and security manager, as docs/artemis.md
 * tells an operator to: AMQP, MQTT and STOMP acceptors, persistence in {@code <data>/artemis} (journal, bindings,
 * paging, large messages) and the relay store in {@code <data>/artemis/relay}.
 */
final class ArtemisBroker implements EmbeddedBroker {
    private final EmbeddedActiveMQ embedded;
    private final Map<String, URI> endpoints;

    private ArtemisBroker(EmbeddedActiveMQ embedded, Map<String, URI> endpoints) {
        this.embedded = embedded;
        this.endpoints = endpoints;
    }

    static ArtemisBroker start(StackOptions options, String realm) throws IOException {
        Path home = Files.createDirectories(options.dataDir.resolve("artemis"));
        String host = options.host;
        int mqtt = port(host, options.mqttPort, "MQTT");
        int amqp = port(host, options.amqpPort, "AMQP");
        int stomp = port(host, options.stompPort, "STOMP");
        int mqttTls = 0;
        String keyStoreType = null;
        if (options.mqttTls()) {
            keyStoreType = KeyStores.requireReadable(options.mqttTlsKeyStore, options.mqttTlsPassword);
            mqttTls = port(host, options.mqttTlsPort, "MQTT-TLS");
        }

        Configuration config = new ConfigurationImpl();
        config.setName("relay");
        config.setPersistenceEnabled(true);
        config.setSecurityEnabled(!options.bare);
        config.setJournalType(JournalType.NIO);
        config.setJournalDirectory(home.resolve("journal").toString());
        config.setBindingsDirectory(home.resolve("bindings").toString());
        config.setPagingDirectory(home.resolve("paging").toString());
        config.setLargeMessagesDirectory(home.resolve("large-messages").toString());
        config.setClusterPassword(UUID.randomUUID().toString());
        config.setAuthenticationCacheSize(0); // connect tokens are single-use (docs/artemis.md)
        config.setMessageExpiryScanPeriod(1000);
        try {
            config.addAcceptorConfiguration("amqp", "tcp://" + host + ":" + amqp
                    + "?protocols=AMQP;saslMechanisms=PLAIN;amqpMinLargeMessageSize=1048576");
            config.addAcceptorConfiguration("mqtt", "tcp://" + host + ":" + mqtt
                    + "?protocols=MQTT;closeMqttConnectionOnPublishAuthorizationFailure=false");
            config.addAcceptorConfiguration("stomp", "tcp://" + host + ":" + stomp
                    + "?protocols=STOMP;stompMinLargeMessageSize=1048576");
            if (options.mqttTls()) {
                config.addAcceptorConfiguration("mqtts", "tcp://" + host + ":" + mqttTls
                        + "?protocols=MQTT;closeMqttConnectionOnPublishAuthorizationFailure=false;sslEnabled=true"
                        + ";keyStorePath=" + options.mqttTlsKeyStore + ";keyStorePassword=" + options.mqttTlsPassword
                        + ";keyStoreType=" + keyStoreType);
            }
        } catch (Exception e) {
            throw new IOException("bad acceptor configuration: " + e.getMessage(), e);
        }
        EmbeddedActiveMQ embedded = new EmbeddedActiveMQ();
        if (!options.bare) {
            Map<String, String> relay = new LinkedHashMap<>();
            relay.put("relay.realm", realm);
            relay.putAll(options.relayProperties);
            RelayBrokerPlugin plugin = new RelayBrokerPlugin();
            plugin.init(relay);
            config.registerBrokerPlugin(plugin);
            embedded.setSecurityManager(new RelaySecurityManager());
        }
        embedded.setConfiguration(config);
        try {
            embedded.start();
        } catch (Exception e) {
            try {
                embedded.stop();
            } catch (Exception ignored) {
                // it did not start
            }
            throw new IOException("Artemis did not start: " + e, e);
        }
        Map<String, URI> endpoints = new LinkedHashMap<>();
        endpoints.put("mqtt", URI.create("tcp://" + host + ":" + mqtt));
        endpoints.put("amqp", URI.create("amqp://" + host + ":" + amqp));
        endpoints.put("stomp", URI.create("stomp://" + host + ":" + stomp));
        if (options.mqttTls()) {
            endpoints.put("mqtts", URI.create("ssl://" + host + ":" + mqttTls));
        }
        return new ArtemisBroker(embedded, Map.copyOf(endpoints));
    }

    private static int port(String host, int configured, String purpose) throws IOException {
        int port = configured == 0 ? Ports.free(host) : configured;
        Ports.requireFree(host, port, purpose);
        return port;
    }

    @Override
    public URI mqttUri() {
        return endpoints.get("mqtt");
    }

    @Override
    public Map<String, URI> endpoints() {
        Map<String, URI> ordered = new LinkedHashMap<>();
        for (String name : new String[] {"mqtt", "mqtts", "amqp", "stomp"}) {
            if (endpoints.containsKey(name)) {
                ordered.put(name, endpoints.get(name));
            }
        }
        return ordered;
    }

    @Override
    public void close() {
        try {
            embedded.stop();
        } catch (Exception e) {
            System.err.println("Stopping Artemis failed: " + e);
        }
    }
}
