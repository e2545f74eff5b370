package dev.relay.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What every MQTT scenario does the same way on every target: connect (with a Relay connect token where Relay is
 * inside), the topic a recipient reads, and the payloads (signed envelopes with {@link #BODY_BYTES}-byte bodies; the
 * bare brokers and peers carry the very same bytes on plain topics).
 */
final class MqttLoad {
    static final int BODY_BYTES = 256;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

    private MqttLoad() {
    }

    /** The topic the recipient {@code key} reads on {@code target}. */
    static String inbox(Target target, KeyId key) {
        return target.relay() ? Addressing.mqttInbox(key.toString()) : "bench/inbox/" + key;
    }

    static Mqtt5AsyncClient client(Target target, RelayKeyPair key) {
        URI uri = target.mqtt();
        return MqttClient.builder().useMqttVersion5().identifier(key.keyId().toString()).serverHost(uri.getHost())
                .serverPort(uri.getPort()).buildAsync();
    }

    /** Starts a connect; a persistent session when {@code sessionExpiry} is positive (resumed if there is one). */
    static CompletableFuture<?> connect(Mqtt5AsyncClient client, Target target, RelayKeyPair key, byte[] token,
                                        long sessionExpirySeconds) {
        Mqtt5ConnectBuilder.Send<CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>>
                connect = client.connectWith().cleanStart(sessionExpirySeconds == 0)
                .sessionExpiryInterval(sessionExpirySeconds).keepAlive(60);
        if (target.relay()) {
            connect.simpleAuth().username(key.keyId().toString()).password(token).applySimpleAuth();
        }
        return connect.send();
    }

    /** Connects and waits; a clean session. */
    static Mqtt5AsyncClient connected(Target target, RelayKeyPair key, List<Mqtt5AsyncClient> opened) throws Exception {
        Mqtt5AsyncClient client = client(target, key);
        connect(client, target, key, token(target, key), 0).get(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        opened.add(client);
        return client;
    }

    /** A fresh connect token for Relay targets, else null. */
    static byte[] token(Target target, RelayKeyPair key) {
        if (!target.relay()) {
            return null;
        }
        try {
            return ConnectToken.create(key, target.realm(), System.currentTimeMillis() / 1000).password()
                    .getBytes(StandardCharsets.US_ASCII);
        } catch (RelayException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code count} signed envelopes from {@code sender} to {@code recipient}, made before any clock starts. */
    static List<byte[]> envelopes(RelayKeyPair sender, KeyId recipient, int count) {
        List<byte[]> payloads = new ArrayList<>(count);
        byte[] body = new byte[BODY_BYTES];
        try {
            for (int m = 0; m < count; m++) {
                payloads.add(Envelope.builder(Kind.MESSAGE).to(recipient).contentType("application/octet-stream")
                        .body(body).sign(sender).toJson());
            }
        } catch (RelayException e) {
            throw new IllegalStateException(e);
        }
        return payloads;
    }

    /** The envelope id inside payload bytes (ASCII JSON), found without parsing the whole envelope. */
    static String idOf(byte[] payload) {
        String text = new String(payload, StandardCharsets.US_ASCII);
        int at = text.indexOf("\"id\":\"");
        if (at < 0) {
            return null;
        }
        int start = at + 6;
        return text.substring(start, text.indexOf('"', start));
    }

    static void disconnectAll(List<Mqtt5AsyncClient> clients) {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (Mqtt5AsyncClient client : clients) {
            pending.add(client.disconnect().exceptionally(failure -> null));
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // going anyway
        }
        clients.clear();
    }
}
