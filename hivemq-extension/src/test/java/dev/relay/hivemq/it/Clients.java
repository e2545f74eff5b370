package dev.relay.hivemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * MQTT clients that connect to a {@link RelayHiveMQ} as a Relay identity, the way SPEC §2 tells clients to:
 * username = client id = key id, password = a fresh one-time connect token for the broker's realm, a persistent
 * session (MQTT 5: clean start false, session expiry 7 days; MQTT 3.1.1: clean session false), automatic reconnect
 * off, Paho persistence in memory. Each client collects every message it receives (also those queued for it while it
 * was away) in {@link RelayClient#payloads()} and {@link RelayClient#messages()}.
 *
 * <pre>{@code
 * try (RelayClient bob = Clients.pahoV5(broker, bobKey)) {
 *     bob.subscribeInbox();
 *     byte[] payload = bob.awaitPayload(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class Clients {
    public static final long SESSION_EXPIRY_SECONDS = Duration.ofDays(7).toSeconds();
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** MQTT 5 CONNACK 0x86 Bad User Name or Password. */
    public static final int BAD_USERNAME_OR_PASSWORD = 0x86;

    private Clients() {
    }

    /** A fresh one-time connect token (the MQTT password) for {@code key} at {@code realm}, timestamped now. */
    public static String token(RelayKeyPair key, String realm) {
        try {
            return ConnectToken.create(key, realm, Instant.now().getEpochSecond()).password();
        } catch (RelayException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static String keyId(RelayKeyPair key) {
        return key.keyId().toString();
    }

    public static String inbox(RelayKeyPair key) {
        return Addressing.mqttInbox(keyId(key));
    }

    // ---- Paho MQTT 5 ---------------------------------------------------------------------------------------------

    /** Connects with Paho mqttv5 as {@code key}; throws the client's exception (reason code = CONNACK code). */
    public static PahoV5 pahoV5(RelayHiveMQ broker, RelayKeyPair key) throws MqttException {
        return pahoV5(broker.serverUri(), keyId(key), keyId(key), token(key, broker.realm()), false);
    }

    /** Connects with Paho mqttv5 with any credentials (null password: none) and clean start as given. */
    public static PahoV5 pahoV5(String serverUri, String clientId, String username, String password, boolean cleanStart)
            throws MqttException {
        PahoV5 client = new PahoV5(serverUri, clientId);
        try {
            client.connect(username, password, cleanStart);
            return client;
        } catch (MqttException | RuntimeException e) {
            client.closeQuietly();
            throw e;
        }
    }

    /**
     * The CONNACK reason code a Paho mqttv5 connect with these credentials gets: 0 when accepted (the client then
     * disconnects again, keeping no session), else the refusal code (e.g. {@link #BAD_USERNAME_OR_PASSWORD}).
     */
    public static int pahoV5ConnectReasonCode(RelayHiveMQ broker, String clientId, String username, String password) {
        PahoV5 client;
        try {
            client = pahoV5(broker.serverUri(), clientId, username, password, true);
        } catch (MqttException e) {
            return e.getReasonCode();
        }
        client.close();
        return 0;
    }

    /** Connect as {@code key} with clean start and no session, then disconnect: the harness' readiness probe. */
    static void probe(RelayHiveMQ broker, RelayKeyPair key) throws MqttException {
        PahoV5 client = new PahoV5(broker.serverUri(), keyId(key));
        try {
            client.connect(keyId(key), token(key, broker.realm()), true, 0L);
            client.disconnect();
        } finally {
            client.closeQuietly();
        }
    }

    // ---- Paho MQTT 3.1.1 -----------------------------------------------------------------------------------------

    /** Connects with Paho mqttv3 (MQTT 3.1.1, clean session false) as {@code key}. */
    public static PahoV3 pahoV3(RelayHiveMQ broker, RelayKeyPair key) throws org.eclipse.paho.client.mqttv3.MqttException {
        return pahoV3(broker.serverUri(), keyId(key), keyId(key), token(key, broker.realm()), false);
    }

    public static PahoV3 pahoV3(String serverUri, String clientId, String username, String password,
            boolean cleanSession) throws org.eclipse.paho.client.mqttv3.MqttException {
        PahoV3 client = new PahoV3(serverUri, clientId);
        try {
            client.connect(username, password, cleanSession);
            return client;
        } catch (org.eclipse.paho.client.mqttv3.MqttException | RuntimeException e) {
            client.closeQuietly();
            throw e;
        }
    }

    /**
     * The CONNACK return code a Paho mqttv3 connect gets: 0 accepted (then disconnected, clean session), 4 bad user
     * name or password, 5 not authorized, ...
     */
    public static int pahoV3ConnectReturnCode(RelayHiveMQ broker, String clientId, String username, String password) {
        PahoV3 client;
        try {
            client = pahoV3(broker.serverUri(), clientId, username, password, true);
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            return e.getReasonCode();
        }
        client.close();
        return 0;
    }

    // ---- HiveMQ MQTT client (MQTT 5) -----------------------------------------------------------------------------

    /** Connects with the HiveMQ MQTT client (MQTT 5) as {@code key}; a refusal throws {@link Mqtt5ConnAckException}. */
    public static HiveMqV5 hivemqV5(RelayHiveMQ broker, RelayKeyPair key) {
        return hivemqV5(broker, keyId(key), keyId(key), token(key, broker.realm()), false);
    }

    public static HiveMqV5 hivemqV5(RelayHiveMQ broker, String clientId, String username, String password,
            boolean cleanStart) {
        HiveMqV5 client = new HiveMqV5(broker.host(), broker.port(), clientId);
        try {
            client.connect(username, password, cleanStart);
            return client;
        } catch (RuntimeException e) {
            client.closeQuietly();
            throw e;
        }
    }

    /** The CONNACK reason code the HiveMQ client gets: 0 accepted (then disconnected), else the refusal code. */
    public static int hivemqV5ConnectReasonCode(RelayHiveMQ broker, String clientId, String username, String password) {
        HiveMqV5 client;
        try {
            client = hivemqV5(broker, clientId, username, password, true);
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
        client.close();
        return 0;
    }

    // ---- common types --------------------------------------------------------------------------------------------

    /** A message a client received. {@code messageExpiryInterval} is null on MQTT 3.1.1 or when none was sent. */
    public record Received(String topic, byte[] payload, int qos, Long messageExpiryInterval) {
        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /**
     * The outcome of a QoS 1 publish. {@code acknowledged}: a PUBACK arrived (on MQTT 5 look at the reason code; on
     * MQTT 3.1.1 a PUBACK means accepted). {@code reasonCodes}: MQTT 5 PUBACK reason code(s), empty on MQTT 3.1.1 or
     * when nothing arrived. {@code reasonString}: MQTT 5 reason string if the broker sent one. {@code error}: what the
     * client reported instead of an acknowledgement (e.g. connection closed by the broker), else null.
     */
    public record PublishResult(boolean acknowledged, List<Integer> reasonCodes, String reasonString, Throwable error) {
        /** First reason code, 0 for an MQTT 3.1.1 PUBACK, -1 when nothing was acknowledged. */
        public int reasonCode() {
            if (!reasonCodes.isEmpty()) {
                return reasonCodes.get(0);
            }
            return acknowledged ? 0 : -1;
        }

        /** Acknowledged with a success code (0x00 Success or 0x10 No matching subscribers). */
        public boolean accepted() {
            return acknowledged && reasonCode() < 0x80;
        }

        @Override
        public String toString() {
            return "PublishResult[acknowledged=" + acknowledged + ", reasonCodes="
                    + reasonCodes.stream().map(c -> String.format("0x%02X", c)).collect(Collectors.joining(","))
                    + ", reasonString=" + reasonString + ", error=" + error + "]";
        }
    }

    /** What every client here offers. */
    public interface RelayClient extends AutoCloseable {
        String clientId();

        boolean isConnected();

        /** Subscribes to {@code filter} with QoS 1; returns the SUBACK code(s) (0x80+ = refused). */
        List<Integer> subscribe(String filter);

        /** Subscribes to the own inbox {@code relay/v1/inbox/<client's key id>} with QoS 1 (client id = key id). */
        default List<Integer> subscribeInbox() {
            return subscribe(Addressing.mqttInbox(keyIdOfClientId(clientId())));
        }

        /** Publishes with QoS 1 and waits for the PUBACK (or the error) up to {@link Clients#TIMEOUT}. */
        PublishResult publish(String topic, byte[] payload);

        /** Publishes with QoS 1 to the inbox of {@code recipientKeyId}. */
        default PublishResult publishToInbox(String recipientKeyId, byte[] payload) {
            return publish(Addressing.mqttInbox(recipientKeyId), payload);
        }

        /** Every received payload, in arrival order. */
        BlockingQueue<byte[]> payloads();

        /** Every received message with its topic and properties, in arrival order (independent of payloads()). */
        BlockingQueue<Received> messages();

        /** The next payload from {@link #payloads()}, or null after {@code timeout}. */
        default byte[] awaitPayload(Duration timeout) throws InterruptedException {
            return payloads().poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The next message from {@link #messages()}, or null after {@code timeout}. */
        default Received awaitMessage(Duration timeout) throws InterruptedException {
            return messages().poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Graceful DISCONNECT; the broker keeps the session (and queues for it) when it was persistent. */
        void disconnect();

        /** Disconnects if connected and releases the client. */
        @Override
        void close();
    }

    /** {@code <key id>} or {@code <key id>.<suffix>} to the key id. */
    static String keyIdOfClientId(String clientId) {
        int dot = clientId.indexOf('.');
        return dot < 0 ? clientId : clientId.substring(0, dot);
    }

    // ---- implementations -----------------------------------------------------------------------------------------

    /** Eclipse Paho mqttv5 1.2.5 (async client used synchronously). */
    public static final class PahoV5 implements RelayClient {
        private final MqttAsyncClient client;
        private final BlockingQueue<byte[]> payloads = new LinkedBlockingQueue<>();
        private final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
        private final BlockingQueue<MqttDisconnectResponse> disconnects = new LinkedBlockingQueue<>();
        private volatile IMqttToken connectToken;

        PahoV5(String serverUri, String clientId) throws MqttException {
            client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse response) {
                    disconnects.add(response);
                }

                @Override
                public void mqttErrorOccurred(MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    byte[] payload = message.getPayload();
                    Long expiry = message.getProperties() == null ? null
                            : message.getProperties().getMessageExpiryInterval();
                    messages.add(new Received(topic, payload.clone(), message.getQos(), expiry));
                    payloads.add(payload.clone());
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
        }

        void connect(String username, String password, boolean cleanStart) throws MqttException {
            connect(username, password, cleanStart, SESSION_EXPIRY_SECONDS);
        }

        void connect(String username, String password, boolean cleanStart, long sessionExpirySeconds)
                throws MqttException {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setUserName(username);
            if (password != null) {
                options.setPassword(password.getBytes(StandardCharsets.UTF_8));
            }
            options.setCleanStart(cleanStart);
            options.setSessionExpiryInterval(sessionExpirySeconds);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout((int) TIMEOUT.toSeconds());
            options.setKeepAliveInterval(30);
            IMqttToken token = client.connect(options);
            token.waitForCompletion(TIMEOUT.toMillis());
            connectToken = token;
        }

        /** The underlying Paho client, for anything not covered here. */
        public MqttAsyncClient client() {
            return client;
        }

        /** Whether the broker said a session was present (from the CONNACK). */
        public boolean sessionPresent() {
            return connectToken != null && connectToken.getSessionPresent();
        }

        /** DISCONNECTs the broker sent or connection losses Paho reported. */
        public BlockingQueue<MqttDisconnectResponse> disconnects() {
            return disconnects;
        }

        @Override
        public String clientId() {
            return client.getClientId();
        }

        @Override
        public boolean isConnected() {
            return client.isConnected();
        }

        @Override
        public List<Integer> subscribe(String filter) {
            try {
                IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
                token.waitForCompletion(TIMEOUT.toMillis());
                return codes(token.getReasonCodes());
            } catch (MqttException e) {
                throw new IllegalStateException("subscribe " + filter + " failed: " + e, e);
            }
        }

        @Override
        public PublishResult publish(String topic, byte[] payload) {
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            IMqttToken token;
            try {
                token = client.publish(topic, message);
            } catch (MqttException e) {
                return new PublishResult(false, List.of(), null, e);
            }
            try {
                token.waitForCompletion(TIMEOUT.toMillis());
            } catch (MqttException e) {
                return new PublishResult(false, List.of(), null, e);
            }
            MqttProperties properties = token.getResponseProperties();
            String reasonString = properties == null ? null : properties.getReasonString();
            int[] codes = token.getReasonCodes();
            return new PublishResult(true, codes == null ? List.of(0) : codes(codes), reasonString, null);
        }

        @Override
        public BlockingQueue<byte[]> payloads() {
            return payloads;
        }

        @Override
        public BlockingQueue<Received> messages() {
            return messages;
        }

        @Override
        public void disconnect() {
            if (!client.isConnected()) {
                return;
            }
            try {
                client.disconnect(TIMEOUT.toMillis()).waitForCompletion(TIMEOUT.toMillis());
            } catch (MqttException e) {
                // already gone
            }
        }

        @Override
        public void close() {
            disconnect();
            closeQuietly();
        }

        void closeQuietly() {
            try {
                if (client.isConnected()) {
                    client.disconnectForcibly(0, 1000, false);
                }
            } catch (MqttException e) {
                // ignore
            }
            try {
                client.close(true);
            } catch (MqttException e) {
                // ignore
            }
        }

        private static List<Integer> codes(int[] codes) {
            return codes == null ? List.of() : Arrays.stream(codes).boxed().toList();
        }
    }

    /** Eclipse Paho mqttv3 1.2.5, MQTT 3.1.1. No reason codes or strings exist in this protocol version. */
    public static final class PahoV3 implements RelayClient {
        private final org.eclipse.paho.client.mqttv3.MqttAsyncClient client;
        private final BlockingQueue<byte[]> payloads = new LinkedBlockingQueue<>();
        private final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
        private final BlockingQueue<Throwable> connectionLost = new LinkedBlockingQueue<>();
        private volatile org.eclipse.paho.client.mqttv3.IMqttToken connectToken;

        PahoV3(String serverUri, String clientId) throws org.eclipse.paho.client.mqttv3.MqttException {
            client = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(serverUri, clientId,
                    new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    connectionLost.add(cause == null ? new IllegalStateException("connection lost") : cause);
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    byte[] payload = message.getPayload();
                    messages.add(new Received(topic, payload.clone(), message.getQos(), null));
                    payloads.add(payload.clone());
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
        }

        void connect(String username, String password, boolean cleanSession)
                throws org.eclipse.paho.client.mqttv3.MqttException {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setUserName(username);
            if (password != null) {
                options.setPassword(password.toCharArray());
            }
            options.setCleanSession(cleanSession);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout((int) TIMEOUT.toSeconds());
            options.setKeepAliveInterval(30);
            org.eclipse.paho.client.mqttv3.IMqttToken token = client.connect(options);
            token.waitForCompletion(TIMEOUT.toMillis());
            connectToken = token;
        }

        public org.eclipse.paho.client.mqttv3.MqttAsyncClient client() {
            return client;
        }

        public boolean sessionPresent() {
            return connectToken != null && connectToken.getSessionPresent();
        }

        /** Causes of connection losses Paho reported (MQTT 3.1.1 brokers refuse a publish by disconnecting). */
        public BlockingQueue<Throwable> connectionLost() {
            return connectionLost;
        }

        @Override
        public String clientId() {
            return client.getClientId();
        }

        @Override
        public boolean isConnected() {
            return client.isConnected();
        }

        /** Returns the granted QoS per filter: 0x80 (128) = refused. */
        @Override
        public List<Integer> subscribe(String filter) {
            try {
                org.eclipse.paho.client.mqttv3.IMqttToken token = client.subscribe(filter, 1);
                token.waitForCompletion(TIMEOUT.toMillis());
                int[] granted = token.getGrantedQos();
                return granted == null ? List.of() : Arrays.stream(granted).boxed().toList();
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (e.getReasonCode() == org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_SUBSCRIBE_FAILED) {
                    return List.of(0x80);
                }
                throw new IllegalStateException("subscribe " + filter + " failed: " + e, e);
            }
        }

        @Override
        public PublishResult publish(String topic, byte[] payload) {
            try {
                IMqttDeliveryToken token = client.publish(topic, payload, 1, false);
                token.waitForCompletion(TIMEOUT.toMillis());
                return new PublishResult(true, List.of(), null, null);
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                return new PublishResult(false, List.of(), null, e);
            }
        }

        @Override
        public BlockingQueue<byte[]> payloads() {
            return payloads;
        }

        @Override
        public BlockingQueue<Received> messages() {
            return messages;
        }

        @Override
        public void disconnect() {
            if (!client.isConnected()) {
                return;
            }
            try {
                client.disconnect(TIMEOUT.toMillis()).waitForCompletion(TIMEOUT.toMillis());
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                // already gone
            }
        }

        @Override
        public void close() {
            disconnect();
            closeQuietly();
        }

        void closeQuietly() {
            try {
                if (client.isConnected()) {
                    client.disconnectForcibly(0, 1000, false);
                }
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                // ignore
            }
            try {
                client.close(true);
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                // ignore
            }
        }
    }

    /** The HiveMQ MQTT client 1.4.2, MQTT 5, blocking API. */
    public static final class HiveMqV5 implements RelayClient {
        private final Mqtt5BlockingClient client;
        private final String clientId;
        private final BlockingQueue<byte[]> payloads = new LinkedBlockingQueue<>();
        private final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
        private volatile Mqtt5ConnAck connAck;

        HiveMqV5(String host, int port, String clientId) {
            this.clientId = clientId;
            this.client = Mqtt5Client.builder()
                    .identifier(clientId)
                    .serverHost(host)
                    .serverPort(port)
                    .buildBlocking();
            // Registered before CONNECT so that messages queued for the session are collected too.
            client.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish -> {
                byte[] payload = publish.getPayloadAsBytes();
                Long expiry = publish.getMessageExpiryInterval().isPresent()
                        ? publish.getMessageExpiryInterval().getAsLong() : null;
                messages.add(new Received(publish.getTopic().toString(), payload.clone(), publish.getQos().getCode(),
                        expiry));
                payloads.add(payload.clone());
            });
        }

        void connect(String username, String password, boolean cleanStart) {
            byte[] secret = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
            Mqtt5SimpleAuth auth = null;
            if (username != null && secret != null) {
                auth = Mqtt5SimpleAuth.builder().username(username).password(secret).build();
            } else if (username != null) {
                auth = Mqtt5SimpleAuth.builder().username(username).build();
            } else if (secret != null) {
                auth = Mqtt5SimpleAuth.builder().password(secret).build();
            }
            var connect = client.connectWith()
                    .cleanStart(cleanStart)
                    .sessionExpiryInterval(SESSION_EXPIRY_SECONDS)
                    .keepAlive(30);
            if (auth != null) {
                connect = connect.simpleAuth(auth);
            }
            connAck = connect.send();
        }

        public Mqtt5BlockingClient client() {
            return client;
        }

        public Mqtt5ConnAck connAck() {
            return connAck;
        }

        @Override
        public String clientId() {
            return clientId;
        }

        @Override
        public boolean isConnected() {
            return client.getState().isConnected();
        }

        @Override
        public List<Integer> subscribe(String filter) {
            Mqtt5SubAck subAck;
            try {
                subAck = client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
            } catch (Mqtt5SubAckException e) {
                subAck = e.getMqttMessage();
            }
            return subAck.getReasonCodes().stream().map(c -> c.getCode()).toList();
        }

        @Override
        public PublishResult publish(String topic, byte[] payload) {
            try {
                Mqtt5PublishResult result = client.publishWith()
                        .topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
                if (result instanceof Mqtt5PublishResult.Mqtt5Qos1Result qos1) {
                    return fromPubAck(qos1.getPubAck());
                }
                Optional<Throwable> error = result.getError();
                return new PublishResult(error.isEmpty(), List.of(), null, error.orElse(null));
            } catch (Mqtt5PubAckException e) {
                return fromPubAck(e.getMqttMessage());
            } catch (RuntimeException e) {
                return new PublishResult(false, List.of(), null, e);
            }
        }

        private static PublishResult fromPubAck(Mqtt5PubAck pubAck) {
            return new PublishResult(true, List.of(pubAck.getReasonCode().getCode()),
                    pubAck.getReasonString().map(MqttUtf8String::toString).orElse(null), null);
        }

        @Override
        public BlockingQueue<byte[]> payloads() {
            return payloads;
        }

        @Override
        public BlockingQueue<Received> messages() {
            return messages;
        }

        @Override
        public void disconnect() {
            if (!isConnected()) {
                return;
            }
            try {
                client.disconnect();
            } catch (RuntimeException e) {
                // already gone
            }
        }

        @Override
        public void close() {
            disconnect();
        }

        void closeQuietly() {
            disconnect();
        }
    }
}
