package dev.relay.device;

import dev.relay.client.ClientBuilder;
import dev.relay.client.ClientCore;
import dev.relay.client.IncomingHandler;
import dev.relay.client.RelayClientException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A device on Relay over MQTT (Eclipse Paho; MQTT 5 by default, 3.1.1 on request): one identity, its inbox, sends,
 * replies, receipts and system requests. Everything but MQTT itself is the shared {@link ClientCore}.
 *
 * <pre>{@code
 * try (RelayDevice fan = RelayDevice.builder()
 *         .serverUri("tcp://127.0.0.1:1883").realm("home").keyFile(Path.of("fan.key"))
 *         .outbox(Path.of("fan.outbox"))
 *         .onMessage(in -> { switchFan(in.text()); in.receipt("delivered"); })
 *         .connect()) {
 *     fan.message(controller, "text/plain", "fan is on".getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <p><b>Connecting.</b> Every connect and reconnect uses a fresh connect token (SPEC §2.2: username = key id, password =
 * token), client id = key id (or {@code <key id>.<session>}), clean start 0 with a 7-day session expiry (§2.7), then a
 * QoS 1 subscription to the own inbox. {@link #connect()} blocks for the first connection and throws if it fails;
 * {@link #start()} returns at once and keeps trying, for devices that must work offline.
 *
 * <p><b>Reconnects.</b> When the connection drops the device reconnects by itself after a jittered exponential backoff,
 * whatever the cause: a device in the field keeps trying (Paho's own reconnect is off: it would re-send a used token,
 * and its delay setting is ignored).
 *
 * <p><b>Receiving.</b> Only envelopes that pass SPEC §3.8 (strict parse, addressed to this device, signature, relay key
 * for {@code response}/{@code error}, not expired, not a duplicate) reach the {@link IncomingHandler}, one at a time on
 * one thread; the delivery is acknowledged when the handler returns. If the handler throws, the device does what Paho
 * does: it ends the connection and reconnects after its backoff (growing while the handler keeps failing), and the
 * broker delivers the message again. Without that, HiveMQ would hold back every later message behind the
 * unacknowledged one until some other reconnect. Envelopes that fail are acknowledged and logged, and reported to
 * {@link Builder#onDiscard} unless they are duplicates (normal with at-least-once delivery).
 *
 * <p><b>Sending.</b> {@link #send} completes with the envelope id once the relay accepted it, or fails with the relay's
 * code. With an {@link Builder#outbox(Path) outbox} file, sends are written to disk first and survive both offline
 * periods and a restart of the process: they go out, in order, as soon as a connection is up, and none is delivered
 * twice. Without one, a send while disconnected fails with {@code not_connected}. On MQTT 3.1.1 a refusal comes back
 * as an {@code error} envelope, so the result waits up to {@link Builder#refusalWindow} for one; on MQTT 5 the PUBACK
 * says it (a bare reason code, without reason string, is read as SPEC §13.4 says).
 *
 * <p><b>Threads.</b> All methods are thread-safe. Futures complete on internal threads: chain blocking work with the
 * {@code *Async} methods of {@link java.util.concurrent.CompletableFuture}.
 */
public final class RelayDevice extends ClientCore {
    /** SPEC §2.7: devices keep their session for 7 days, matching the default TTL. */
    public static final Duration DEFAULT_SESSION_EXPIRY = Duration.ofDays(7);

    private final MqttTransport mqtt;

    private RelayDevice(Builder builder, MqttTransport mqtt) {
        super(builder, mqtt, "device");
        this.mqtt = mqtt;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects and subscribes, blocking until done (and, without a pinned relay key, until the {@code relay.info}
     * answer). Called once. If it throws, the device is closed; build a new one to try again.
     *
     * @throws RelayClientException with a code such as {@code bad_credentials}, {@code bad_client_id},
     *                              {@code forbidden}, {@code connect_failed} or {@code timeout}
     */
    @Override
    public RelayDevice connect() throws RelayClientException {
        super.connect();
        return this;
    }

    /**
     * Starts connecting in the background and returns at once: the device keeps trying with backoff until a connection
     * is up, and sends made meanwhile wait in the outbox. Called once, instead of {@link #connect()}.
     */
    @Override
    public RelayDevice start() {
        super.start();
        return this;
    }

    /** The MQTT client id: the key id, or {@code <key id>.<session>}. */
    public String clientId() {
        return mqtt.clientId();
    }

    /** The MQTT version this device speaks. */
    public MqttVersion mqttVersion() {
        return mqtt.version();
    }

    @Override
    public String toString() {
        return "RelayDevice[" + mqtt.clientId() + " " + state() + " " + mqtt.serverUri() + "]";
    }

    /** Configures a {@link RelayDevice}; the server URI, the realm and a key are required. */
    public static final class Builder extends ClientBuilder<Builder> {
        private String serverUri;
        private String realm;
        private MqttVersion version = MqttVersion.V5;
        private SocketFactory socketFactory;
        private Duration sessionExpiry = DEFAULT_SESSION_EXPIRY;
        private int keepAliveSeconds = 30;
        private boolean problemInformation = true;

        private Builder() {
            super(Duration.ofSeconds(1), Duration.ofSeconds(60));
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The broker: {@code tcp://host:1883}, or {@code ssl://host:8883} with {@link #tls}. */
        public Builder serverUri(String serverUri) {
            this.serverUri = serverUri;
            return this;
        }

        /** The relay's realm (the audience of connect tokens, SPEC §2.2). */
        public Builder realm(String realm) {
            this.realm = realm;
            return this;
        }

        /** MQTT 5 (default) or 3.1.1. */
        public Builder mqttVersion(MqttVersion version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /**
         * MQTT 5 session expiry (default 7 days, SPEC §2.7). {@link Duration#ZERO} asks for a clean session that ends
         * with the connection: for short-lived tools that must not keep a session (and its queue) behind.
         */
        public Builder sessionExpiry(Duration expiry) {
            this.sessionExpiry = expiry;
            return this;
        }

        public Builder keepAlive(Duration keepAlive) {
            this.keepAliveSeconds = (int) keepAlive.toSeconds();
            return this;
        }

        /**
         * MQTT 5 Request Problem Information (default true): false tells the broker to leave reason strings off PUBACK
         * and SUBACK, so refusals are read from their reason codes alone, as SPEC §13.4 says (coarser: {@code 0x87}
         * is {@code forbidden} whether the relay said {@code acl_denied} or {@code sender_mismatch}). For links where
         * every byte counts, and to see what a client gets from a broker that gives no reason strings.
         */
        public Builder requestProblemInformation(boolean requested) {
            this.problemInformation = requested;
            return this;
        }

        /** TLS (or any custom socket): e.g. {@code sslContext.getSocketFactory()}; use an {@code ssl://} URI. */
        public Builder tls(SocketFactory socketFactory) {
            this.socketFactory = socketFactory;
            return this;
        }

        /**
         * TLS that trusts the certificates in this key store (PKCS12 or JKS), e.g. a broker's self-signed one; use an
         * {@code ssl://} URI. Without it, {@code ssl://} uses the JVM's default trust store.
         *
         * @throws IllegalArgumentException if the store cannot be read
         */
        public Builder trustStore(Path file, char[] password) {
            try {
                KeyStore store = KeyStore.getInstance(file.toFile(), password);
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, trust.getTrustManagers(), null);
                return tls(context.getSocketFactory());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot use " + file + " as a trust store: " + e.getMessage(), e);
            }
        }

        /**
         * {@inheritDoc} Default 2 s on MQTT 3.1.1 (after every PUBACK); none on MQTT 5, whose PUBACK carries every
         * refusal.
         */
        @Override
        public Builder refusalWindow(Duration window) {
            return super.refusalWindow(window);
        }

        public RelayDevice build() {
            Objects.requireNonNull(serverUri, "serverUri");
            Objects.requireNonNull(realm, "realm");
            validate(version == MqttVersion.V5 ? Duration.ZERO : Duration.ofSeconds(2));
            String username = key().keyId().toString();
            String clientId = session() == null ? username : username + "." + session();
            return new RelayDevice(this, new MqttTransport(serverUri, clientId, username, realm, version,
                    sessionExpiry.toSeconds(), keepAliveSeconds, socketFactory, problemInformation));
        }

        /** {@code build().connect()}. */
        public RelayDevice connect() throws RelayClientException {
            return build().connect();
        }

        /** {@code build().start()}. */
        public RelayDevice start() {
            return build().start();
        }
    }
}
