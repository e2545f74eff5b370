package dev.relay.cli;

import dev.relay.client.IncomingHandler;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayClientException;
import dev.relay.device.MqttVersion;
import dev.relay.device.RelayDevice;
import dev.relay.agent.RelayAgent;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/**
 * How a command reaches the relay and as whom. The transport follows the URL: {@code tcp://} / {@code ssl://} (or
 * {@code mqtt://} / {@code mqtts://}) use the device client over MQTT, {@code ws://} / {@code wss://} the agent client
 * over the WebSocket gateway.
 */
final class ConnectionOptions {
    static final String DEFAULT_URL = "tcp://127.0.0.1:1883";
    static final String DEFAULT_REALM = "relay.local";
    /**
     * Session suffix prefix of one-shot commands: {@code cli-} and random characters, so that they never take over or
     * drain the identity's own session, nor race each other for one client id (the broker may still be ending the
     * previous command's session when the next one connects).
     */
    static final String ONE_SHOT_SESSION_PREFIX = "cli-";

    @Option(names = "--url", paramLabel = "URL", description = "Relay endpoint: tcp://host:1883 or ssl://host:8883 "
            + "(MQTT) or ws://host:8081/relay/v1 (WebSocket gateway). Default: $RELAY_URL, else the running "
            + "'relay up' of --data, else " + DEFAULT_URL + ".")
    String url;

    @Option(names = "--realm", description = "The relay's realm. Default: $RELAY_REALM, else the running "
            + "'relay up', else " + DEFAULT_REALM + ".")
    String realm;

    @Option(names = {"-k", "--key"}, paramLabel = "FILE", description = "Key file (created on first use, mode 0600). "
            + "Default: $RELAY_KEY, else <data>/keys/me.key.")
    Path key;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder of 'relay up' (default: $RELAY_DATA, "
            + "else ./relay-data).")
    Path data;

    @Option(names = "--session", description = "Session suffix: connect as <key id>.<suffix> (1..20 of A-Z a-z 0-9 _ -).")
    String session;

    @Option(names = "--mqtt-version", defaultValue = "5", description = "MQTT protocol: 5 or 3.1.1 (default 5).")
    String mqttVersion;

    @Option(names = "--relay-key", converter = KeyIdConverter.class, paramLabel = "KEY_ID",
            description = "Pin the relay's key (otherwise trusted on first use from relay.info).")
    KeyId relayKey;

    @Option(names = "--trust-store", paramLabel = "FILE",
            description = "For ssl:// URLs: trust the certificates in this key store (PKCS12 or JKS).")
    Path trustStore;

    @Option(names = "--trust-store-password", paramLabel = "PASSWORD", defaultValue = "changeit",
            description = "Password of --trust-store (default ${DEFAULT-VALUE}).")
    String trustStorePassword;

    @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for the relay's answers (default 30s).")
    Duration timeout;

    Path keyFile() {
        return Workspace.keyFile(key, data);
    }

    /** Loads the key file, creating it on first use. */
    RelayKeyPair loadOrCreateKey() {
        Path file = keyFile();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            return KeyFiles.loadOrCreate(file);
        } catch (IOException e) {
            throw new CliException("key_file", "cannot read or create the key file " + file + ": " + e.getMessage(),
                    ExitCodes.LOCAL);
        } catch (RelayException e) {
            throw new CliException("key_file", file + " is not a Relay key file: " + e.getMessage(), ExitCodes.LOCAL);
        }
    }

    String resolvedUrl() {
        if (url != null) {
            return url;
        }
        String env = System.getenv("RELAY_URL");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return running().map(p -> p.getProperty("mqtt")).orElse(DEFAULT_URL);
    }

    String resolvedRealm() {
        if (realm != null) {
            return realm;
        }
        String env = System.getenv("RELAY_REALM");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return running().map(p -> p.getProperty("realm")).orElse(DEFAULT_REALM);
    }

    private java.util.Optional<Properties> running() {
        return Workspace.runningStack(Workspace.dataDir(data));
    }

    /**
     * Connects for a one-shot command (send, policy, profile, ...) without taking anything from the inbox's real
     * consumer: in a transient session of its own ({@code <key id>.cli-<random>} unless --session is given) that ends
     * with the connection. On every binding such a session reads only its own copies of what arrives while it is
     * connected (SPEC §4.5), so it acknowledges everything: nothing that waits for the identity's lasting session is
     * ever handed to it. The relay.info request checks the relay answers (and learns its key) before the command runs.
     */
    RelayClient connect() throws RelayClientException {
        RelayClient client = open(in -> { }, session != null ? session : oneShotSession(), true);
        try {
            client.relayInfo().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            client.close();
            throw e.getCause() instanceof RelayClientException refusal ? refusal
                    : new RelayClientException(RelayClientException.TIMEOUT, "no relay.info answer within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new RelayClientException(RelayClientException.CLOSED, "interrupted");
        }
        return client;
    }

    /** Connects as the inbox's consumer ({@code relay listen}): the identity's own session; handled means consumed. */
    RelayClient connectInbox(IncomingHandler handler) throws RelayClientException {
        return open(handler, session, false);
    }

    private static String oneShotSession() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        StringBuilder suffix = new StringBuilder(ONE_SHOT_SESSION_PREFIX);
        for (int i = 0; i < 8; i++) {
            suffix.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return suffix.toString();
    }

    private RelayClient open(IncomingHandler handler, String sessionSuffix, boolean transientSession)
            throws RelayClientException {
        RelayKeyPair identity = loadOrCreateKey();
        String endpoint = resolvedUrl();
        URI uri = URI.create(endpoint);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "ws", "wss" -> {
                return RelayAgent.builder().uri(uri).key(identity).expectedRealm(resolvedRealm()).session(sessionSuffix)
                        .transientSession(transientSession).relayKey(relayKey).onMessage(handler)
                        .requestTimeout(timeout).connect();
            }
            case "tcp", "ssl", "mqtt", "mqtts" -> {
                String paho = scheme.equals("mqtt") ? "tcp" + endpoint.substring(4)
                        : scheme.equals("mqtts") ? "ssl" + endpoint.substring(5) : endpoint;
                RelayDevice.Builder device = RelayDevice.builder().serverUri(paho).realm(resolvedRealm())
                        .key(identity).session(sessionSuffix).mqttVersion(version()).relayKey(relayKey)
                        .onMessage(handler).requestTimeout(timeout);
                if (transientSession) {
                    device.sessionExpiry(Duration.ZERO); // nothing queues for a session no one comes back to
                }
                if (trustStore != null) {
                    try {
                        device.trustStore(trustStore, trustStorePassword.toCharArray());
                    } catch (IllegalArgumentException e) {
                        throw new CliException("trust_store", e.getMessage(), ExitCodes.LOCAL);
                    }
                }
                return device.connect();
            }
            default -> throw new CliException("bad_url", "'" + endpoint + "' is not a Relay endpoint: use tcp://, "
                    + "ssl:// (MQTT) or ws://, wss:// (WebSocket gateway)", ExitCodes.USAGE);
        }
    }

    private MqttVersion version() {
        return switch (mqttVersion) {
            case "5", "5.0" -> MqttVersion.V5;
            case "3.1.1", "3", "311" -> MqttVersion.V3_1_1;
            default -> throw new CliException("bad_option", "--mqtt-version must be 5 or 3.1.1, not " + mqttVersion,
                    ExitCodes.USAGE);
        };
    }
}
