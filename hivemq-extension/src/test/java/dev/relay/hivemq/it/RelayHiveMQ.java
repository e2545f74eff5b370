package dev.relay.hivemq.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.hivemq.embedded.EmbeddedHiveMQ;
import dev.relay.protocol.RelayKeyPair;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.LoggerFactory;

/**
 * One embedded HiveMQ CE broker running the Relay extension exactly as deployed: the zip built by {@code mvn package}
 * is unzipped into a fresh extensions folder and loaded by HiveMQ in its own isolated classloader.
 *
 * <p>Use one per test class:
 * <pre>{@code
 * static RelayHiveMQ broker;
 * @BeforeAll static void start() { broker = RelayHiveMQ.start(); }
 * @AfterAll static void stop() { broker.close(); }
 * }</pre>
 *
 * <p>Everything lives in a temporary folder: {@code conf/config.xml} (written here: one TCP listener on 127.0.0.1 and
 * a free port, usage statistics off, file persistence, message expiry max = 30 days), {@code data/} (HiveMQ data; the
 * extension's store defaults to {@code data/relay}) and {@code extensions/relay/}. {@link #restart()} stops the broker
 * and starts a new one on the same folders and port, so sessions, queued messages and the relay store survive.
 * The folder is deleted on {@link #close()} unless the system property {@code relay.it.keep} is {@code true}.
 *
 * <p>Startup waits until HiveMQ logs {@code Extension "Relay" version ... started successfully.} and then until a
 * client with a valid connect token (a fixed probe identity, {@link #probeKey()}, clean start, no session) is
 * accepted. If HiveMQ disables the extension the start fails at once with the broker's log lines in the message.
 */
public final class RelayHiveMQ implements AutoCloseable {
    public static final String DEFAULT_REALM = "it-realm";
    public static final String EXTENSION_ID = "relay";
    public static final String EXTENSION_NAME = "Relay";
    /** System property with the path of the built zip (set by failsafe in pom.xml). */
    public static final String ZIP_PROPERTY = "relay.extension.zip";
    public static final String KEEP_PROPERTY = "relay.it.keep";
    /** HiveMQ's {@code <message-expiry><max-interval>}: SPEC's 30-day maximum TTL. */
    public static final long MESSAGE_EXPIRY_MAX_SECONDS = 2_592_000L;
    public static final long DEFAULT_MAX_QUEUED_MESSAGES = 1000;
    private static final String SERVICES_FILE = "META-INF/services/com.hivemq.extension.sdk.api.ExtensionMain";
    private static final List<String> DISABLED_MARKERS = List.of(
            "cannot be started", "was prevented by the extension itself", "will be disabled",
            "more than one implementation", "cannot be loaded", "does not contain a .jar file",
            "is not a HiveMQ Extension", "Extension folder could not be used");

    private final Path root;
    private final Path configFolder;
    private final Path dataFolder;
    private final Path extensionsFolder;
    private final int port;
    private final String realm;
    private final Map<String, String> properties;
    private final Duration startTimeout;
    private final boolean probeConnect;
    private final boolean expectExtensionStart;
    private final RelayKeyPair probeKey = RelayKeyPair.generate();
    private final LogCapture log = LogCapture.attach();
    private EmbeddedHiveMQ hivemq;
    private boolean closed;

    private RelayHiveMQ(Builder builder) throws IOException {
        requireNoExtensionMainOnClasspath();
        Path zip = locateZip();
        this.properties = new LinkedHashMap<>(builder.properties);
        if (builder.defaultRealm) {
            this.properties.putIfAbsent("relay.realm", DEFAULT_REALM);
        }
        this.realm = this.properties.get("relay.realm");
        this.startTimeout = builder.startTimeout;
        this.probeConnect = builder.probeConnect;
        this.expectExtensionStart = builder.expectExtensionStart;
        this.root = Files.createTempDirectory("relay-hivemq-it-");
        this.configFolder = Files.createDirectories(root.resolve("conf"));
        this.dataFolder = Files.createDirectories(root.resolve("data"));
        this.extensionsFolder = Files.createDirectories(root.resolve("extensions"));
        this.port = builder.port > 0 ? builder.port : freePort();
        unzip(zip, extensionsFolder);
        Path extensionFolder = extensionFolder();
        if (!Files.isRegularFile(extensionFolder.resolve("hivemq-extension.xml"))) {
            throw new IllegalStateException(zip + " has no " + EXTENSION_ID + "/hivemq-extension.xml");
        }
        writeRelayProperties(Files.createDirectories(extensionFolder.resolve("conf")).resolve("relay.properties"),
                this.properties);
        Files.writeString(configFolder.resolve("config.xml"),
                hivemqConfig(port, builder.maxQueuedMessages, builder.messageExpiryMaxSeconds), StandardCharsets.UTF_8);
    }

    /** A broker with realm {@value #DEFAULT_REALM} and every other setting at its default. */
    public static RelayHiveMQ start() {
        return builder().start();
    }

    /** A broker whose {@code relay.properties} holds {@code properties} (realm defaults to {@value #DEFAULT_REALM}). */
    public static RelayHiveMQ start(Map<String, String> properties) {
        return builder().properties(properties).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** {@code tcp://127.0.0.1:<port>} for Paho. */
    public String serverUri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** The realm written to relay.properties, or null when the test left it out on purpose. */
    public String realm() {
        return realm;
    }

    /** HiveMQ's data folder. */
    public Path dataFolder() {
        return dataFolder;
    }

    /** Where the extension keeps relay.db and relay-key.json: {@code relay.data-dir}, else {@code data/relay}. */
    public Path relayDataFolder() {
        String configured = properties.get("relay.data-dir");
        return configured != null ? Path.of(configured) : dataFolder.resolve("relay");
    }

    public Path configFolder() {
        return configFolder;
    }

    public Path extensionsFolder() {
        return extensionsFolder;
    }

    /** {@code extensions/relay}: the unzipped extension (jar, hivemq-extension.xml, conf/relay.properties). */
    public Path extensionFolder() {
        return extensionsFolder.resolve(EXTENSION_ID);
    }

    /** The relay.properties the broker was started with. */
    public Map<String, String> relayProperties() {
        return Collections.unmodifiableMap(properties);
    }

    /** The identity the harness uses to check that the extension accepts connections (never given a session). */
    public RelayKeyPair probeKey() {
        return probeKey;
    }

    /** Log lines seen since this harness was created (all brokers of the JVM log into one logback context). */
    public List<String> logLines() {
        return log.lines();
    }

    /** Number of captured log lines so far: pass it to {@link #logLinesSince(int)}. */
    public int logMark() {
        return log.size();
    }

    public List<String> logLinesSince(int mark) {
        return log.linesSince(mark);
    }

    public boolean isRunning() {
        return hivemq != null;
    }

    /** Stops the broker (closing every client connection) and starts a new one on the same folders and port. */
    public synchronized void restart() {
        stopBroker();
        startBroker();
    }

    /** Stops the broker, keeping its folders; {@link #startAgain()} brings it back. */
    public synchronized void stop() {
        stopBroker();
    }

    public synchronized void startAgain() {
        if (hivemq != null) {
            throw new IllegalStateException("broker is running");
        }
        startBroker();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stopBroker();
        } finally {
            log.detach();
            if (!Boolean.getBoolean(KEEP_PROPERTY)) {
                deleteRecursively(root);
            } else {
                System.out.println("RelayHiveMQ: kept " + root);
            }
        }
    }

    private synchronized RelayHiveMQ startFirst() {
        try {
            startBroker();
            return this;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private void startBroker() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        int mark = log.size();
        EmbeddedHiveMQ broker = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(configFolder)
                .withDataFolder(dataFolder)
                .withExtensionsFolder(extensionsFolder)
                .withoutLoggingBootstrap() // keep logback-test.xml and the capture appender
                .build();
        hivemq = broker;
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            broker.start().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            stopBroker();
            throw new IllegalStateException("HiveMQ did not start within " + startTimeout + ": " + e
                    + log.describeSince(mark), e);
        }
        if (!expectExtensionStart) {
            return;
        }
        awaitExtensionStarted(mark, deadline);
        if (probeConnect && realm != null) {
            awaitConnectAccepted(mark, deadline);
        }
    }

    private void awaitExtensionStarted(int mark, long deadline) {
        String started = "xtension \"" + EXTENSION_NAME + "\" version ";
        while (true) {
            List<String> lines = log.linesSince(mark);
            for (String line : lines) {
                if (line.contains(started) && line.contains("started successfully")) {
                    return;
                }
            }
            for (String line : lines) {
                for (String marker : DISABLED_MARKERS) {
                    if (line.contains(marker)) {
                        throw new IllegalStateException("HiveMQ did not enable the Relay extension: " + line
                                + log.describeSince(mark));
                    }
                }
            }
            if (!log.available()) {
                return; // no logback: rely on the connect probe
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no 'Extension \"Relay\" ... started successfully' within "
                        + startTimeout + log.describeSince(mark));
            }
            sleep(50);
        }
    }

    private void awaitConnectAccepted(int mark, long deadline) {
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Clients.probe(this, probeKey);
                return;
            } catch (Exception e) {
                last = e;
            }
            sleep(200);
        }
        throw new IllegalStateException("a client with a valid connect token was not accepted within " + startTimeout
                + " (last: " + last + ")" + log.describeSince(mark), last);
    }

    private void stopBroker() {
        EmbeddedHiveMQ broker = hivemq;
        hivemq = null;
        if (broker == null) {
            return;
        }
        try {
            // close() = stop + shut down the state-change thread; a new EmbeddedHiveMQ is built on each start.
            broker.close();
        } catch (Exception e) {
            System.err.println("RelayHiveMQ: stopping HiveMQ failed: " + e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    static String hivemqConfig(int port, long maxQueuedMessages, long messageExpiryMaxSeconds) {
        return """
                <?xml version="1.0"?>
                <!-- written by dev.relay.hivemq.it.RelayHiveMQ -->
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <mqtt>
                        <queued-messages>
                            <max-queue-size>%d</max-queue-size>
                            <strategy>discard</strategy>
                        </queued-messages>
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
                """.formatted(port, maxQueuedMessages, messageExpiryMaxSeconds);
    }

    private static void writeRelayProperties(Path file, Map<String, String> values) throws IOException {
        Properties properties = new Properties();
        properties.putAll(new TreeMap<>(values));
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "written by dev.relay.hivemq.it.RelayHiveMQ");
        }
    }

    /** The built zip: system property {@value #ZIP_PROPERTY}, else the newest target/relay-hivemq-extension-*.zip. */
    static Path locateZip() throws IOException {
        String configured = System.getProperty(ZIP_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path zip = Path.of(configured);
            if (!Files.isRegularFile(zip)) {
                throw new IllegalStateException(ZIP_PROPERTY + "=" + zip + " does not exist: run 'mvn package' first");
            }
            return zip;
        }
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            try (Stream<Path> files = Files.list(target)) {
                Path newest = files
                        .filter(p -> p.getFileName().toString().matches("relay-hivemq-extension-.*\\.zip"))
                        .max(Comparator.comparing(p -> p.toFile().lastModified()))
                        .orElse(null);
                if (newest != null) {
                    return newest;
                }
            }
        }
        throw new IllegalStateException("no extension zip: set -D" + ZIP_PROPERTY + " or run 'mvn package' in "
                + "hivemq-extension (looked in " + target.toAbsolutePath() + ")");
    }

    /**
     * HiveMQ finds ExtensionMain through the extension classloader, which also sees the parent (test) classpath: a
     * copy of the service file there makes HiveMQ count two implementations and disable the extension.
     */
    private static void requireNoExtensionMainOnClasspath() throws IOException {
        ClassLoader loader = RelayHiveMQ.class.getClassLoader();
        Enumeration<URL> found = loader.getResources(SERVICES_FILE);
        List<URL> urls = new ArrayList<>();
        while (found.hasMoreElements()) {
            urls.add(found.nextElement());
        }
        if (!urls.isEmpty()) {
            throw new IllegalStateException(SERVICES_FILE + " is on the test classpath " + urls
                    + ": HiveMQ would find ExtensionMain twice and disable the extension. Keep it out of "
                    + "src/main/resources (the shade plugin adds it to the extension jar only).");
        }
    }

    private static void unzip(Path zip, Path into) throws IOException {
        Path base = into.toAbsolutePath().normalize();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
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
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try {
            if (Files.isDirectory(path) && !Files.isSymbolicLink(path)) {
                try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
                    for (Path child : children) {
                        deleteRecursively(child);
                    }
                }
            }
            Files.deleteIfExists(path);
        } catch (IOException e) {
            System.err.println("RelayHiveMQ: could not delete " + path + ": " + e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Options of a broker; {@link #start()} builds the folders and starts it. */
    public static final class Builder {
        private final Map<String, String> properties = new LinkedHashMap<>();
        private boolean defaultRealm = true;
        private int port;
        private long maxQueuedMessages = DEFAULT_MAX_QUEUED_MESSAGES;
        private long messageExpiryMaxSeconds = MESSAGE_EXPIRY_MAX_SECONDS;
        private Duration startTimeout = Duration.ofSeconds(60);
        private boolean probeConnect = true;
        private boolean expectExtensionStart = true;

        private Builder() {
        }

        /** Adds settings to relay.properties (keys as in RelayConfig). */
        public Builder properties(Map<String, String> values) {
            properties.putAll(values);
            return this;
        }

        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder realm(String realm) {
            return property("relay.realm", realm);
        }

        /** Leaves relay.realm out of relay.properties (unless set explicitly): for testing the refusal to start. */
        public Builder withoutDefaultRealm() {
            defaultRealm = false;
            return this;
        }

        /** HiveMQ's per-client {@code <max-queue-size>} (default {@value #DEFAULT_MAX_QUEUED_MESSAGES}). */
        public Builder maxQueuedMessages(long max) {
            maxQueuedMessages = max;
            return this;
        }

        /** HiveMQ's {@code <message-expiry><max-interval>} (default 30 days). */
        public Builder messageExpiryMaxSeconds(long seconds) {
            messageExpiryMaxSeconds = seconds;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            startTimeout = timeout;
            return this;
        }

        /** Skip the connect probe (the start log line is still awaited). */
        public Builder withoutProbeConnect() {
            probeConnect = false;
            return this;
        }

        /**
         * Return as soon as HiveMQ is up, without waiting for the extension: for tests that expect the extension to
         * refuse to start (inspect {@link RelayHiveMQ#logLines()}).
         */
        public Builder withoutAwaitingExtension() {
            expectExtensionStart = false;
            return this;
        }

        public RelayHiveMQ start() {
            try {
                return new RelayHiveMQ(this).startFirst();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Captures the JVM's logback events (HiveMQ's and the extension's) while a harness is open. */
    static final class LogCapture extends AppenderBase<ILoggingEvent> {
        private static final int MAX_LINES = 50_000;
        private final List<String> lines = new ArrayList<>();
        private final Logger root;
        private int dropped;

        private LogCapture(Logger root) {
            this.root = root;
        }

        static LogCapture attach() {
            if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
                System.err.println("RelayHiveMQ: slf4j is not bound to logback; broker log lines are not captured");
                return new LogCapture(null);
            }
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            LogCapture capture = new LogCapture(root);
            capture.setContext(context);
            capture.setName("relay-it-capture-" + System.identityHashCode(capture));
            capture.start();
            root.addAppender(capture);
            return capture;
        }

        boolean available() {
            return root != null;
        }

        void detach() {
            if (root != null) {
                root.detachAppender(this);
                stop();
            }
        }

        @Override
        protected void append(ILoggingEvent event) {
            StringBuilder line = new StringBuilder()
                    .append(event.getLevel()).append(' ')
                    .append(event.getLoggerName()).append(" - ")
                    .append(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                line.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            synchronized (lines) {
                if (lines.size() < MAX_LINES) {
                    lines.add(line.toString());
                } else {
                    dropped++;
                }
            }
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        int size() {
            synchronized (lines) {
                return lines.size();
            }
        }

        List<String> linesSince(int mark) {
            synchronized (lines) {
                return List.copyOf(lines.subList(Math.min(mark, lines.size()), lines.size()));
            }
        }

        String describeSince(int mark) {
            List<String> since = linesSince(mark);
            StringBuilder text = new StringBuilder("\n--- broker log (" + since.size() + " lines"
                    + (dropped > 0 ? ", " + dropped + " dropped" : "") + ") ---");
            int from = Math.max(0, since.size() - 200);
            for (String line : since.subList(from, since.size())) {
                text.append('\n').append(line);
            }
            return text.toString();
        }
    }
}
