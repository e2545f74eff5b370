package dev.relay.artemis.it;

import dev.relay.artemis.RelayBrokerPlugin;
import dev.relay.artemis.RelaySecurityManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager;

/**
 * An embedded Artemis with the Relay plugin (which installs its own interceptors) and security manager, configured as
 * the snippets in
 * src/main/artemis tell an operator to: AMQP, MQTT and STOMP acceptors on 127.0.0.1 at free ports, persistence on
 * (so restarts keep the journal), large-message thresholds above the envelope limit, MQTT 3.1.1 refusals without
 * disconnect. One per test class.
 */
public final class RelayArtemis implements BrokerEndpoints, AutoCloseable {
    static final String REALM = "artemis.test";

    private final Path home;
    private final Map<String, String> properties;
    private final int amqpPort;
    private final int mqttPort;
    private final int stompPort;
    private final int corePort;
    private EmbeddedActiveMQ embedded;
    private RelayBrokerPlugin plugin;
    private java.util.function.Consumer<Configuration> tweak = config -> { };
    private ActiveMQSecurityManager securityManager = new RelaySecurityManager();

    private RelayArtemis(Path home, Map<String, String> properties) {
        this.home = home;
        this.properties = properties;
        this.amqpPort = BrokerEndpoints.freeLoopbackPort();
        this.mqttPort = BrokerEndpoints.freeLoopbackPort();
        this.stompPort = BrokerEndpoints.freeLoopbackPort();
        this.corePort = BrokerEndpoints.freeLoopbackPort();
    }

    public static RelayArtemis start() {
        return start(Map.of());
    }

    /** Starts with the given {@code relay.*} plugin properties on top of the realm and an Artemis setting changed. */
    public static RelayArtemis start(Map<String, String> extraProperties, java.util.function.Consumer<Configuration> tweak) {
        return start(extraProperties, tweak, new RelaySecurityManager());
    }

    /** As {@link #start(Map, java.util.function.Consumer)}, with another security manager than the relay's. */
    public static RelayArtemis start(Map<String, String> extraProperties, java.util.function.Consumer<Configuration> tweak,
                                     ActiveMQSecurityManager securityManager) {
        Map<String, String> properties = new HashMap<>();
        properties.put("relay.realm", REALM);
        properties.putAll(extraProperties);
        try {
            RelayArtemis broker = new RelayArtemis(Files.createTempDirectory("relay-artemis-"), properties);
            broker.tweak = tweak;
            broker.securityManager = securityManager;
            broker.startBroker();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RelayArtemis start(Map<String, String> extraProperties) {
        return start(extraProperties, config -> { });
    }

    private void startBroker() {
        Configuration config = new ConfigurationImpl();
        config.setName("relay-test");
        config.setPersistenceEnabled(true);
        config.setSecurityEnabled(true);
        config.setJournalType(JournalType.NIO);
        config.setJournalDirectory(home.resolve("journal").toString());
        config.setBindingsDirectory(home.resolve("bindings").toString());
        config.setPagingDirectory(home.resolve("paging").toString());
        config.setLargeMessagesDirectory(home.resolve("large-messages").toString());
        config.setClusterPassword(UUID.randomUUID().toString());
        config.setMessageExpiryScanPeriod(200); // expired messages move within the tests' patience
        config.setAuthenticationCacheSize(0); // connect tokens are single-use (snippet: broker.xml)
        try {
            config.addAcceptorConfiguration("amqp", "tcp://127.0.0.1:" + amqpPort
                    + "?protocols=AMQP;saslMechanisms=PLAIN;amqpMinLargeMessageSize=1048576");
            config.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + mqttPort
                    + "?protocols=MQTT;closeMqttConnectionOnPublishAuthorizationFailure=false");
            config.addAcceptorConfiguration("core", "tcp://127.0.0.1:" + corePort + "?protocols=CORE");
            config.addAcceptorConfiguration("stomp", "tcp://127.0.0.1:" + stompPort
                    + "?protocols=STOMP;stompMinLargeMessageSize=1048576");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        plugin = new RelayBrokerPlugin();
        plugin.init(properties);
        config.registerBrokerPlugin(plugin);
        tweak.accept(config);
        embedded = new EmbeddedActiveMQ();
        embedded.setConfiguration(config);
        embedded.setSecurityManager(securityManager);
        try {
            embedded.start();
        } catch (Exception e) {
            throw new IllegalStateException("embedded Artemis did not start", e);
        }
    }

    /** Stops and starts the broker on the same journal and relay store. */
    public void restart() {
        stopBroker();
        startBroker();
    }

    private void stopBroker() {
        try {
            embedded.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String realm() {
        return REALM;
    }

    @Override
    public String amqpHost() {
        return "127.0.0.1";
    }

    @Override
    public int amqpPort() {
        return amqpPort;
    }

    @Override
    public String mqttUri() {
        return "tcp://127.0.0.1:" + mqttPort;
    }

    @Override
    public int stompPort() {
        return stompPort;
    }

    String coreUri() {
        return "tcp://127.0.0.1:" + corePort;
    }

    ActiveMQServer server() {
        return embedded.getActiveMQServer();
    }

    RelayBrokerPlugin plugin() {
        return plugin;
    }

    Path relayDataDir() {
        return home.resolve("relay");
    }

    /** Messages waiting in the inbox queue of {@code keyId}, as the broker counts them (0 if there is no queue). */
    public long queued(String keyId) {
        var queue = server().locateQueue("relay.v1.inbox." + keyId);
        return queue == null ? 0 : queue.getMessageCount();
    }

    @Override
    public void close() {
        stopBroker();
    }

}
