package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §2 against the extension loaded from the built zip: every way to authenticate (username/password on Paho v5
 * and v3, MQTT 5 enhanced auth {@code relay-ed25519-v1} with the HiveMQ client, a suffixed client id) and every
 * refusal, with the exact CONNACK code (MQTT 5 reason code, MQTT 3.1.1 return code) and, on MQTT 5, a reason string
 * that starts with the SPEC §10.1 code. Refused attempts must leave everything else as it was: a connected session of
 * the same identity stays connected and a refused token does not burn its nonce (§2.4).
 */
class AuthenticationIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String METHOD = "relay-ed25519-v1";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static RelayHiveMQ broker;

    @BeforeAll
    static void startBroker() {
        broker = RelayHiveMQ.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    // ---- success ----------------------------------------------------------------------------------------------

    @Test
    void pahoV5WithKeyIdAndTokenConnectsAsThatIdentity() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Clients.PahoV5 client = Clients.pahoV5(broker, key)) {
            assertThat(client.isConnected()).isTrue();
            assertThat(client.subscribeInbox()).as("SUBACK of the own inbox").containsExactly(1);
            assertSelfMessageArrives(client, key);
        }
    }

    @Test
    void pahoV3WithKeyIdAndTokenConnectsAsThatIdentity() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Clients.PahoV3 client = Clients.pahoV3(broker, key)) {
            assertThat(client.isConnected()).isTrue();
            assertThat(client.subscribeInbox()).as("SUBACK of the own inbox").containsExactly(1);
            assertSelfMessageArrives(client, key);
        }
    }

    @Test
    void hivemqClientEnhancedAuthChallengeResponseConnects() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayAuth auth = new RelayAuth(METHOD, key, broker.realm());
        Mqtt5BlockingClient client = hivemqClient(Clients.keyId(key));
        try {
            Mqtt5ConnAck connAck = client.connectWith().cleanStart(true).enhancedAuth(auth).send();
            assertThat(connAck.getReasonCode().getCode()).isZero();
            assertThat(auth.continues.get()).as("AUTH packets from the server").isEqualTo(1);
            assertThat(auth.serverNonce.get()).as("server nonce in AUTH").hasSize(32);
            assertThat(auth.continueReason.get()).isEqualTo(Mqtt5AuthReasonCode.CONTINUE_AUTHENTICATION);
            assertThat(auth.successConnAck.get()).as("onAuthSuccess").isNotNull();
            assertThat(connAck.getEnhancedAuth().map(a -> a.getMethod().toString())).contains(METHOD);
            assertThat(client.getState().isConnected()).isTrue();
            assertThat(client.subscribeWith().topicFilter(Clients.inbox(key)).qos(MqttQos.AT_LEAST_ONCE).send()
                    .getReasonCodes()).extracting(c -> c.getCode()).containsExactly(1);
        } finally {
            disconnectQuietly(client);
        }
        // The same identity's next challenge carries a fresh nonce.
        RelayAuth again = new RelayAuth(METHOD, key, broker.realm());
        Mqtt5BlockingClient second = hivemqClient(Clients.keyId(key));
        try {
            assertThat(second.connectWith().cleanStart(true).enhancedAuth(again).send().getReasonCode().getCode())
                    .isZero();
            assertThat(again.serverNonce.get()).hasSize(32).isNotEqualTo(auth.serverNonce.get());
        } finally {
            disconnectQuietly(second);
        }
    }

    @Test
    void clientIdWithSuffixConnectsAlongsideThePlainOne() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        try (Clients.PahoV5 plain = Clients.pahoV5(broker, key);
                Clients.PahoV5 phone = Clients.pahoV5(broker.serverUri(), keyId + ".phone", keyId,
                        Clients.token(key, broker.realm()), true)) {
            assertThat(phone.isConnected()).isTrue();
            assertThat(plain.isConnected()).as("the plain session is not taken over").isTrue();
            assertThat(phone.subscribeInbox()).as("SUBACK of the own inbox from <key id>.phone").containsExactly(1);
            assertSelfMessageArrives(phone, key);
        }
    }

    @Test
    void suffixedSessionAloneReceivesLiveMessages() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair sender = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        try (Clients.PahoV5 phone = Clients.pahoV5(broker.serverUri(), keyId + ".phone", keyId,
                Clients.token(key, broker.realm()), true);
                Clients.PahoV5 senderClient = Clients.pahoV5(broker, sender)) {
            assertThat(phone.subscribeInbox()).as("SUBACK of the own inbox from <key id>.phone").containsExactly(1);
            byte[] payload = Envelope.builder(Kind.MESSAGE).to(key.keyId()).body("to the phone").sign(sender).toJson();
            Clients.PublishResult result = senderClient.publishToInbox(keyId, payload);
            assertThat(result.accepted()).as("PUBACK %s", result).isTrue();
            assertThat(phone.awaitPayload(WAIT)).as("the online, subscribed <key id>.phone session").isEqualTo(payload);
        }
    }

    @Test
    void reconnectTakingOverTheOldConnectionStaysAuthenticated() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Clients.PahoV5 old = Clients.pahoV5(broker, key)) {
            assertThat(old.subscribeInbox()).containsExactly(1);
            try (Clients.PahoV5 fresh = Clients.pahoV5(broker, key)) {
                assertThat(old.disconnects().poll(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                        .as("the old connection is taken over").isNotNull();
                assertThat(fresh.sessionPresent()).isTrue();
                assertThat(fresh.subscribeInbox()).as("SUBACK on the new connection").containsExactly(1);
                assertSelfMessageArrives(fresh, key);
            }
        }
    }

    // ---- MQTT 5 refusals --------------------------------------------------------------------------------------

    @Test
    void tokenSignedByAnotherKeyIsBadSignature() {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair other = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertRefusedV5(keyId, keyId, () -> Clients.token(other, broker.realm()), 0x86, "bad_signature");
    }

    @Test
    void staleTimestampIsExpiredToken() {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertRefusedV5(keyId, keyId, () -> token(key, broker.realm(), now() - 300, nonce16()), 0x86, "expired_token");
    }

    @Test
    void replayedTokenIsRefusedAndTheFirstConnectionStays() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        String password = Clients.token(key, broker.realm());
        try (Clients.PahoV5 first = Clients.pahoV5(broker.serverUri(), keyId, keyId, password, true)) {
            Refusal refusal = hivemqRefusal(keyId, keyId, password);
            assertRefusal(refusal, 0x86, "replay");
            assertThat(Clients.pahoV5ConnectReasonCode(broker, keyId, keyId, password)).as("Paho v5 CONNACK")
                    .isEqualTo(0x86);
            assertThat(first.isConnected()).as("the connection that used the token first").isTrue();
            assertThat(first.disconnects()).isEmpty();
            assertThat(first.subscribeInbox()).containsExactly(1);
        }
    }

    @Test
    void tokenForAnotherRealmIsBadSignature() {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertRefusedV5(keyId, keyId, () -> Clients.token(key, "other-realm"), 0x86, "bad_signature");
    }

    @Test
    void malformedPasswordIsBadCredentials() {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertRefusedV5(keyId, keyId, () -> "v1.not-a-token", 0x86, "bad_credentials");
        assertRefusedV5(keyId, keyId, () -> "hunter2", 0x86, "bad_credentials");
        // A valid token with one part missing.
        assertRefusedV5(keyId, keyId, () -> {
            String token = Clients.token(key, broker.realm());
            return token.substring(0, token.lastIndexOf('.'));
        }, 0x86, "bad_credentials");
    }

    @Test
    void usernameThatIsNotAKeyIdIsRefused() {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertRefusedV5(keyId, "alice", () -> Clients.token(key, broker.realm()), 0x86, "bad_credentials");
        // A client id that is not a key id either.
        assertRefusedV5("alice", "alice", () -> Clients.token(key, broker.realm()), 0x86, "bad_credentials");
    }

    @Test
    void clientIdOfAnotherKeyIsBadClientIdAndLeavesThatSessionAlone() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        String aliceId = Clients.keyId(alice);
        String bobId = Clients.keyId(bob);
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            assertRefusedV5(bobId, aliceId, () -> Clients.token(alice, broker.realm()), 0x85, "bad_client_id");
            assertRefusedV5(bobId + ".phone", aliceId, () -> Clients.token(alice, broker.realm()), 0x85,
                    "bad_client_id");
            assertRefusedV5(aliceId + ".bad/suffix", aliceId, () -> Clients.token(alice, broker.realm()), 0x85,
                    "bad_client_id");
            assertThat(bobClient.isConnected()).as("bob, whose client id alice tried").isTrue();
            assertThat(bobClient.disconnects()).isEmpty();
            assertSelfMessageArrives(bobClient, bob);
        }
    }

    @Test
    void otherEnhancedAuthMethodIsBadAuthenticationMethod() {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayAuth auth = new RelayAuth("relay-ed25519-v2", key, broker.realm());
        Refusal refusal = hivemqRefusal(Clients.keyId(key), connect -> connect.enhancedAuth(auth));
        assertThat(refusal.code()).as("CONNACK %s", refusal).isEqualTo(0x8C);
        assertThat(auth.continues.get()).as("no challenge for another method").isZero();
        assertThat(auth.rejected.get()).as("onAuthRejected").isNotNull();
        assertThat(refusal.reason()).as("reason string").startsWith("bad_credentials:");
    }

    @Test
    void challengeAnsweredOverAnotherNonceIsRefused() {
        RelayKeyPair key = RelayKeyPair.generate();
        byte[] ownNonce = nonce32();
        RelayAuth auth = new RelayAuth(METHOD, key, broker.realm(), serverNonce -> ownNonce);
        Refusal refusal = hivemqRefusal(Clients.keyId(key), connect -> connect.enhancedAuth(auth));
        assertThat(auth.continues.get()).as("the server challenged").isEqualTo(1);
        assertRefusal(refusal, 0x86, "bad_credentials");

        // The refused answer did not burn its nonce: the same token is still good as a username/password token.
        String sameToken = auth.answers.get();
        assertThat(Clients.pahoV5ConnectReasonCode(broker, Clients.keyId(key), Clients.keyId(key), sameToken))
                .as("Paho v5 CONNACK for the token the challenge refused").isZero();
    }

    @Test
    void challengeAnsweredByAnotherKeyIsBadSignature() {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair other = RelayKeyPair.generate();
        RelayAuth auth = new RelayAuth(METHOD, key, broker.realm(), UnaryOperator.identity(), other);
        Refusal refusal = hivemqRefusal(Clients.keyId(key), connect -> connect.enhancedAuth(auth));
        assertRefusal(refusal, 0x86, "bad_signature");
    }

    @Test
    void willIntoTheRelayNamespaceIsForbiddenButAWillOutsideIsFine() {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair victim = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        for (String willTopic : List.of(Clients.inbox(victim), Clients.inbox(key), "relay/v1/sys", "relay/v1/other")) {
            Refusal refusal = hivemqRefusal(keyId, connect -> connect
                    .simpleAuth(simpleAuth(keyId, Clients.token(key, broker.realm())))
                    .willPublish().topic(willTopic).payload(new byte[] {'x'}).qos(MqttQos.AT_LEAST_ONCE)
                    .applyWillPublish());
            assertThat(refusal.code()).as("CONNACK with will %s: %s", willTopic, refusal).isEqualTo(0x87);
            assertThat(refusal.reason()).as("reason string").startsWith("forbidden:");
        }
        Mqtt5BlockingClient client = hivemqClient(keyId);
        try {
            Mqtt5ConnAck connAck = client.connectWith().cleanStart(true)
                    .simpleAuth(simpleAuth(keyId, Clients.token(key, broker.realm())))
                    .willPublish().topic("devices/" + keyId + "/status").payload(new byte[] {'x'})
                    .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish()
                    .send();
            assertThat(connAck.getReasonCode().getCode()).isZero();
            assertThat(client.getState().isConnected()).isTrue();
        } finally {
            disconnectQuietly(client);
        }
    }

    // ---- MQTT 3.1.1 refusals ----------------------------------------------------------------------------------

    @Test
    void mqtt311BadTokenIsReturnCode4() {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair other = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertThat(Clients.pahoV3ConnectReturnCode(broker, keyId, keyId, Clients.token(other, broker.realm())))
                .as("signature by another key").isEqualTo(4);
        assertThat(Clients.pahoV3ConnectReturnCode(broker, keyId, keyId, "v1.not-a-token"))
                .as("malformed").isEqualTo(4);
        assertThat(Clients.pahoV3ConnectReturnCode(broker, keyId, keyId,
                token(key, broker.realm(), now() - 300, nonce16()))).as("stale").isEqualTo(4);
        String once = Clients.token(key, broker.realm());
        assertThat(Clients.pahoV3ConnectReturnCode(broker, keyId, keyId, once)).as("first use").isZero();
        assertThat(Clients.pahoV3ConnectReturnCode(broker, keyId, keyId, once)).as("replay").isEqualTo(4);
    }

    @Test
    void mqtt311ClientIdOfAnotherKeyIsReturnCode2() {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        String aliceId = Clients.keyId(alice);
        assertThat(Clients.pahoV3ConnectReturnCode(broker, Clients.keyId(bob), aliceId,
                Clients.token(alice, broker.realm()))).isEqualTo(2);
        assertThat(Clients.pahoV3ConnectReturnCode(broker, aliceId + ".phone", aliceId,
                Clients.token(alice, broker.realm()))).as("a valid suffix still works").isZero();
    }

    // ---- nonces ---------------------------------------------------------------------------------------------

    @Test
    void refusedTokenDoesNotBurnItsNonce() {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair forger = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        byte[] nonce = nonce16();
        long ts = now();
        String forged = token(forger, broker.realm(), ts, nonce);
        String genuine = token(key, broker.realm(), ts, nonce);
        assertThat(forged).isNotEqualTo(genuine);

        assertRefusal(hivemqRefusal(keyId, keyId, forged), 0x86, "bad_signature");
        // Same nonce for the wrong realm, and the genuine token with a wrong client id: refused before the replay check.
        assertRefusal(hivemqRefusal(keyId, keyId, token(key, "other-realm", ts, nonce)), 0x86, "bad_signature");
        assertRefusal(hivemqRefusal(Clients.keyId(forger), keyId, genuine), 0x85, "bad_client_id");

        assertThat(Clients.pahoV5ConnectReasonCode(broker, keyId, keyId, genuine))
                .as("genuine token with the nonce the refused ones carried").isZero();
        assertRefusal(hivemqRefusal(keyId, keyId, genuine), 0x86, "replay");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The outcome of a refused MQTT 5 connect as the HiveMQ client saw it. */
    record Refusal(int code, String reason) {
        @Override
        public String toString() {
            return String.format("0x%02X '%s'", code, reason);
        }
    }

    private interface PasswordSource {
        String get();
    }

    /** Refused with {@code code} on both MQTT 5 clients, and a reason string starting with {@code specCode}. */
    private static void assertRefusedV5(String clientId, String username, PasswordSource password, int code,
            String specCode) {
        assertRefusal(hivemqRefusal(clientId, username, password.get()), code, specCode);
        assertThat(Clients.pahoV5ConnectReasonCode(broker, clientId, username, password.get()))
                .as("Paho v5 CONNACK reason code").isEqualTo(code);
    }

    private static void assertRefusal(Refusal refusal, int code, String specCode) {
        assertThat(refusal.code()).as("CONNACK reason code of %s", refusal).isEqualTo(code);
        assertThat(refusal.reason()).as("CONNACK reason string").startsWith(specCode + ": ");
    }

    private static Refusal hivemqRefusal(String clientId, String username, String password) {
        return hivemqRefusal(clientId, connect -> connect.simpleAuth(simpleAuth(username, password)));
    }

    private static Refusal hivemqRefusal(String clientId, UnaryOperator<Mqtt5ConnectBuilder.Send<Mqtt5ConnAck>> options) {
        Mqtt5BlockingClient client = hivemqClient(clientId);
        try {
            Mqtt5ConnAck connAck = options.apply(client.connectWith().cleanStart(true)).send();
            throw new AssertionError("connect of " + clientId + " was accepted: " + connAck);
        } catch (Mqtt5ConnAckException e) {
            Mqtt5ConnAck connAck = e.getMqttMessage();
            assertThat(client.getState().isConnected()).as("client after the refusal").isFalse();
            return new Refusal(connAck.getReasonCode().getCode(),
                    connAck.getReasonString().map(MqttUtf8String::toString).orElse(null));
        } finally {
            disconnectQuietly(client);
        }
    }

    private static Mqtt5BlockingClient hivemqClient(String clientId) {
        return Mqtt5Client.builder().identifier(clientId).serverHost(broker.host()).serverPort(broker.port())
                .buildBlocking();
    }

    private static Mqtt5SimpleAuth simpleAuth(String username, String password) {
        return Mqtt5SimpleAuth.builder().username(username).password(password.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    private static void disconnectQuietly(Mqtt5BlockingClient client) {
        if (client.getState().isConnected()) {
            try {
                client.disconnect();
            } catch (RuntimeException ignored) {
                // gone already
            }
        }
    }

    /** The identity really is {@code key}: a message it sends itself arrives in the inbox it subscribed to. */
    private static void assertSelfMessageArrives(Clients.RelayClient client, RelayKeyPair key) throws Exception {
        byte[] payload = Envelope.builder(Kind.MESSAGE).to(key.keyId()).body("note to self").sign(key).toJson();
        Clients.PublishResult result = client.publishToInbox(Clients.keyId(key), payload);
        assertThat(result.accepted()).as("PUBACK %s", result).isTrue();
        assertThat(client.awaitPayload(WAIT)).as("own inbox").isEqualTo(payload);
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static byte[] nonce16() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    private static byte[] nonce32() {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    private static String token(RelayKeyPair key, String realm, long ts, byte[] nonce) {
        try {
            return ConnectToken.create(key, realm, ts, nonce).password();
        } catch (RelayException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.asReadOnlyBuffer();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /**
     * SPEC §2.5.1 on the HiveMQ client: CONNECT with the method and the key id as auth data, then answer the server's
     * AUTH (32-byte nonce) with a token over that nonce. {@code nonceToSign} and {@code signer} let a test answer
     * wrongly.
     */
    static final class RelayAuth implements Mqtt5EnhancedAuthMechanism {
        private final String method;
        private final RelayKeyPair key;
        private final RelayKeyPair signer;
        private final String realm;
        private final UnaryOperator<byte[]> nonceToSign;
        final AtomicInteger continues = new AtomicInteger();
        final AtomicReference<byte[]> serverNonce = new AtomicReference<>();
        final AtomicReference<Mqtt5AuthReasonCode> continueReason = new AtomicReference<>();
        final AtomicReference<String> answers = new AtomicReference<>();
        final AtomicReference<Mqtt5ConnAck> successConnAck = new AtomicReference<>();
        final AtomicReference<Mqtt5ConnAck> rejected = new AtomicReference<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        RelayAuth(String method, RelayKeyPair key, String realm) {
            this(method, key, realm, UnaryOperator.identity());
        }

        RelayAuth(String method, RelayKeyPair key, String realm, UnaryOperator<byte[]> nonceToSign) {
            this(method, key, realm, nonceToSign, key);
        }

        RelayAuth(String method, RelayKeyPair key, String realm, UnaryOperator<byte[]> nonceToSign,
                RelayKeyPair signer) {
            this.method = method;
            this.key = key;
            this.signer = signer;
            this.realm = realm;
            this.nonceToSign = nonceToSign;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(method);
        }

        @Override
        public int getTimeout() {
            return (int) WAIT.toSeconds();
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig clientConfig, Mqtt5Connect connect,
                Mqtt5EnhancedAuthBuilder authBuilder) {
            authBuilder.data(Clients.keyId(key).getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig clientConfig, Mqtt5Auth auth,
                Mqtt5AuthBuilder authBuilder) {
            continues.incrementAndGet();
            continueReason.set(auth.getReasonCode());
            byte[] nonce = auth.getData().map(AuthenticationIT::bytes).orElse(new byte[0]);
            serverNonce.set(nonce);
            if (nonce.length < 16 || nonce.length > 32) {
                return CompletableFuture.completedFuture(false);
            }
            String token;
            try {
                // The signer's token, but presented for key: a forged answer when signer != key.
                token = ConnectToken.create(signer, realm, now(), nonceToSign.apply(nonce)).password();
            } catch (RelayException e) {
                return CompletableFuture.failedFuture(e);
            }
            answers.set(token);
            authBuilder.data(token.getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig clientConfig, Mqtt5ConnAck connAck) {
            successConnAck.set(connAck);
            return CompletableFuture.completedFuture(
                    connAck.getEnhancedAuth().map(Mqtt5EnhancedAuth::getMethod).map(MqttUtf8String::toString)
                            .filter(method::equals).isPresent());
        }

        @Override
        public void onAuthRejected(Mqtt5ClientConfig clientConfig, Mqtt5ConnAck connAck) {
            rejected.set(connAck);
        }

        @Override
        public void onAuthError(Mqtt5ClientConfig clientConfig, Throwable cause) {
            error.set(cause);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig clientConfig, Mqtt5AuthBuilder authBuilder) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("SPEC §2.5.1: no re-auth in v1"));
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig clientConfig, Mqtt5Auth auth) {
            return CompletableFuture.completedFuture(false);
        }

        @Override
        public void onReAuthRejected(Mqtt5ClientConfig clientConfig, Mqtt5Disconnect disconnect) {
        }

        @Override
        public void onReAuthError(Mqtt5ClientConfig clientConfig, Throwable cause) {
        }
    }
}
