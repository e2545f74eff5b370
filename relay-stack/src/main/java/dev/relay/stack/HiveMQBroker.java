package dev.relay.stack;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Embedded HiveMQ CE with the Relay extension loaded from its zip, in {@code <data>/hivemq}: {@code conf/config.xml}
 * (one TCP listener, file persistence, 30-day message expiry, usage statistics off), {@code data/} (HiveMQ's
 * sessions and queues), {@code extensions/relay/} (unpacked anew on every start) and {@code relay/} (the relay store).
 */
final class HiveMQBroker implements EmbeddedBroker {
    /** The extension zip packed into this module's jar by the build. */
    static final String EXTENSION_ZIP_RESOURCE = "hivemq-extension.zip";
    private static final long MESSAGE_EXPIRY_MAX_SECONDS = 2_592_000L;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final EmbeddedHiveMQ hivemq;
    private final URI mqttUri;
    private final URI mqttTlsUri;

    private HiveMQBroker(EmbeddedHiveMQ hivemq, URI mqttUri, URI mqttTlsUri) {
        this.hivemq = hivemq;
        this.mqttUri = mqttUri;
        this.mqttTlsUri = mqttTlsUri;
    }

    static HiveMQBroker start(StackOptions options, String realm) throws IOException {
        Path home = Files.createDirectories(options.dataDir.resolve("hivemq"));
        Path conf = Files.createDirectories(home.resolve("conf"));
        Path data = Files.createDirectories(home.resolve("data"));
        Path extensions = home.resolve("extensions");
        Folders.deleteRecursively(extensions); // always the extension of this build
        Files.createDirectories(extensions);
        if (!options.bare) {
            unzipExtension(extensions);
            Path extension = extensions.resolve("relay");
            Map<String, String> relay = new LinkedHashMap<>();
            relay.put("relay.realm", realm);
            relay.put("relay.data-dir", home.resolve("relay").toString());
            relay.putAll(options.relayProperties);
            writeProperties(Files.createDirectories(extension.resolve("conf")).resolve("relay.properties"), relay);
        }
        int port = options.mqttPort == 0 ? Ports.free(options.host) : options.mqttPort;
        Ports.requireFree(options.host, port, "MQTT");
        int tlsPort = 0;
        String tlsListener = "";
        if (options.mqttTls()) {
            KeyStores.requireReadable(options.mqttTlsKeyStore, options.mqttTlsPassword);
            tlsPort = options.mqttTlsPort == 0 ? Ports.free(options.host) : options.mqttTlsPort;
            Ports.requireFree(options.host, tlsPort, "MQTT-TLS");
            tlsListener = tlsListener(options.host, tlsPort, options.mqttTlsKeyStore, options.mqttTlsPassword);
        }
        Files.writeString(conf.resolve("config.xml"), config(options.host, port, tlsListener), StandardCharsets.UTF_8);

        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withoutLoggingBootstrap() // the application's logback configuration stays in charge
                .build();
        try {
            hivemq.start().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            closeQuietly(hivemq);
            throw new IOException("HiveMQ did not start: " + e, e);
        }
        HiveMQBroker broker = new HiveMQBroker(hivemq, URI.create("tcp://" + options.host + ":" + port),
                options.mqttTls() ? URI.create("ssl://" + options.host + ":" + tlsPort) : null);
        try {
            if (options.bare) {
                broker.awaitListener();
            } else {
                broker.requireRelayExtension();
            }
        } catch (IOException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /**
     * HiveMQ CE lets everyone in when no extension authenticates, so a start without the extension must not pass for
     * a Relay: a CONNECT with a bad token has to be refused.
     */
    private void requireRelayExtension() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Mqtt5BlockingClient probe = Mqtt5Client.builder().identifier("relay-stack-probe")
                    .serverHost(mqttUri.getHost()).serverPort(mqttUri.getPort()).buildBlocking();
            try {
                probe.connectWith().cleanStart(true).simpleAuth().username("relay-stack-probe")
                        .password("not-a-token".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
                probe.disconnect();
                throw new IOException("HiveMQ accepted a connect without a valid token: the Relay extension is not "
                        + "active (see the HiveMQ log above)");
            } catch (Mqtt5ConnAckException refused) {
                return; // the extension is in charge
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("HiveMQ's MQTT listener at " + mqttUri + " does not answer: " + notYet);
                }
                sleep(200);
            }
        }
    }

    /** Bare HiveMQ lets anyone in: wait until an anonymous client is accepted. */
    private void awaitListener() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Mqtt5BlockingClient probe = Mqtt5Client.builder().identifier("relay-stack-probe")
                    .serverHost(mqttUri.getHost()).serverPort(mqttUri.getPort()).buildBlocking();
            try {
                probe.connectWith().cleanStart(true).send();
                probe.disconnect();
                return;
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("HiveMQ's MQTT listener at " + mqttUri + " does not answer: " + notYet);
                }
                sleep(200);
            }
        }
    }

    @Override
    public URI mqttUri() {
        return mqttUri;
    }

    @Override
    public Map<String, URI> endpoints() {
        Map<String, URI> endpoints = new LinkedHashMap<>();
        endpoints.put("mqtt", mqttUri);
        if (mqttTlsUri != null) {
            endpoints.put("mqtts", mqttTlsUri);
        }
        return endpoints;
    }

    @Override
    public void close() {
        closeQuietly(hivemq);
    }

    private static void closeQuietly(EmbeddedHiveMQ hivemq) {
        try {
            hivemq.close(); // stop, and shut down its state-change thread
        } catch (Exception e) {
            System.err.println("Stopping HiveMQ failed: " + e);
        }
    }

    static String config(String host, int port, String tlsListener) {
        return """
                <?xml version="1.0"?>
                <!-- written by the Relay stack on every start -->
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                        </tcp-listener>%s
                    </listeners>
                    <mqtt>
                        <message-expiry>
                            <max-interval>%d</max-interval>
                        </message-expiry>
                    </mqtt>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                    <persistence>
                        <mode>file</mode>
                    </persistence>
                </hivemq>
                """.formatted(port, host, tlsListener, MESSAGE_EXPIRY_MAX_SECONDS);
    }

    /** HiveMQ reads the key store with the JDK's key store loader, so PKCS12 and JKS files both work. */
    private static String tlsListener(String host, int port, Path keyStore, String password) {
        return """

                        <tls-tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                            <tls>
                                <keystore>
                                    <path>%s</path>
                                    <password>%s</password>
                                    <private-key-password>%s</private-key-password>
                                </keystore>
                            </tls>
                        </tls-tcp-listener>""".formatted(port, host, xml(keyStore.toString()), xml(password),
                xml(password));
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void unzipExtension(Path into) throws IOException {
        InputStream zip = HiveMQBroker.class.getResourceAsStream(EXTENSION_ZIP_RESOURCE);
        if (zip == null) {
            throw new IOException(EXTENSION_ZIP_RESOURCE + " is not packed into the relay-stack jar: build it with "
                    + "'./mvnw -DskipTests install' so the extension zip is copied in");
        }
        Path base = into.toAbsolutePath().normalize();
        try (ZipInputStream in = new ZipInputStream(zip)) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                Path target = base.resolve(entry.getName()).normalize();
                if (!target.startsWith(base)) {
                    throw new IOException("zip entry outside the folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
        if (!Files.isRegularFile(base.resolve("relay/hivemq-extension.xml"))) {
            throw new IOException("the packed extension zip has no relay/hivemq-extension.xml");
        }
    }

    private static void writeProperties(Path file, Map<String, String> values) throws IOException {
        Properties properties = new Properties();
        properties.putAll(new TreeMap<>(values));
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "written by the Relay stack on every start");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
