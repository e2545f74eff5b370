package dev.relay.gateway.it;

import static dev.relay.gateway.it.GatewayContract.assertClosed;
import static dev.relay.gateway.it.GatewayContract.handshakeStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.gateway.RelayGateway;
import dev.relay.hivemq.it.Clients;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacks the gateway itself decides (the handshake, frames, its own limits), before or without the broker's relay:
 * they do not depend on the broker, so they run on embedded HiveMQ only. The attacks the relay decides are in
 * {@link GatewayAttacksContract}, on both brokers. Each test asserts what the attacker sees, and with
 * {@link AttackWitness} that a bystander pair still talks and that the victim's inbox and policy are untouched.
 */
class GatewayAttacksIT {
    private static BrokerUnderTest broker;

    @BeforeAll
    static void startBroker() {
        broker = BrokerUnderTest.hivemq(Map.of());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static RelayGateway gateway() throws Exception {
        // Every connection of these tests comes from 127.0.0.1: the per-address limit has its own test below.
        return broker.startGateway(b -> b.handshakesPerWindow(1000));
    }

    private static WsClient agent(RelayGateway gateway, RelayKeyPair key) throws Exception {
        return WsClient.authenticated(gateway.uri(), key, broker.realm(), null);
    }

    private static void assertError(WsClient client, String code, String ref) throws Exception {
        JsonNode error = client.next("error");
        assertThat(error).as("error %s (closed: %s)", code, client.closed().getNow(null)).isNotNull();
        assertThat(error.get("code").asText()).as("code of %s", error).isEqualTo(code);
        if (ref == null) {
            assertThat(error.get("ref").isNull()).as("ref of %s", error).isTrue();
        } else {
            assertThat(error.get("ref").asText()).as("ref of %s", error).isEqualTo(ref);
        }
    }

    private static void assertStillServed(WsClient client) throws Exception {
        client.send("{\"type\":\"ping\",\"ref\":\"still-here\"}");
        JsonNode pong = client.next("pong");
        assertThat(pong).as("pong (closed: %s)", client.closed().getNow(null)).isNotNull();
        assertThat(pong.get("ref").asText()).isEqualTo("still-here");
    }

    // ---------------------------------------------------------------- handshake

    @Test
    void aHandshakeOrAuthFrameWithoutATokenIsRefused() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            String victim = witness.victimId();
            // Credentials that name the victim but carry no token: refused before any session exists.
            assertThat(handshakeStatus(gateway.uri(), Map.of("Authorization", "Relay " + victim))).isEqualTo(401);
            assertThat(handshakeStatus(gateway.uri(), Map.of("Authorization", "Relay"))).isEqualTo(401);
            assertThat(handshakeStatus(URI.create(gateway.uri() + "?key_id=" + victim), Map.of())).isEqualTo(401);
            assertThat(handshakeStatus(URI.create(gateway.uri() + "?key_id=" + victim + "&token="), Map.of()))
                    .isEqualTo(401);
            // An auth frame without a token, or with an empty one.
            for (String auth : List.of("{\"type\":\"auth\",\"key_id\":\"" + victim + "\"}",
                    "{\"type\":\"auth\",\"key_id\":\"" + victim + "\",\"token\":\"\"}")) {
                try (WsClient client = WsClient.open(gateway.uri())) {
                    client.next("challenge");
                    client.send(auth);
                    assertClosed(client, 4401, "bad_credentials");
                }
            }
            // A token that is not a string makes the frame unreadable: not an auth frame, so 1008.
            try (WsClient client = WsClient.open(gateway.uri())) {
                client.next("challenge");
                client.send("{\"type\":\"auth\",\"key_id\":\"" + victim + "\",\"token\":null}");
                assertClosed(client, 1008, "the first frame must be auth");
            }
            // No auth frame at all ends with the auth timeout (GatewayLimitsIT.silentClientsAreClosedWith4408…).
            assertThat(gateway.metrics().sessionsOpen()).isZero();
            assertThat(gateway.sessionsOf(victim)).isZero();
            witness.assertUnharmed();
        }
    }

    @Test
    void aChallengeAnswerPresentedOnAnotherConnectionOpensNothingAndBurnsNothing() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            try (WsClient victimConnection = WsClient.open(gateway.uri());
                 WsClient attackerConnection = WsClient.open(gateway.uri())) {
                String victimNonce = victimConnection.next("challenge").get("nonce").asText();
                String attackerNonce = attackerConnection.next("challenge").get("nonce").asText();
                assertThat(attackerNonce).isNotEqualTo(victimNonce);
                // The victim's answer, intercepted and presented on the attacker's connection first.
                String victimAnswer = victimConnection.authFrame(witness.victim, broker.realm(), victimNonce, null);
                attackerConnection.send(victimAnswer);
                assertClosed(attackerConnection, 4401, "bad_credentials");
                // The gateway refused it without asking the broker: the token is unspent and works where it belongs.
                victimConnection.send(victimAnswer);
                JsonNode welcome = victimConnection.next("welcome");
                assertThat(welcome).as("victim's welcome (closed: %s)", victimConnection.closed().getNow(null))
                        .isNotNull();
                assertThat(welcome.get("key_id").asText()).isEqualTo(witness.victimId());
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void framesPipelinedBeforeTheWelcomeAreBoundedAndCannotAuthenticateAgain() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = WsClient.open(gateway.uri())) {
            String nonce = client.next("challenge").get("nonce").asText();
            // Its own auth, then at once a second auth that names the victim and 30 pings, all before the welcome.
            client.send(client.authFrame(attacker, broker.realm(), nonce, null));
            ObjectNode second = (ObjectNode) Json.MAPPER.readTree(client.authFrame(attacker, broker.realm(), nonce,
                    null));
            second.put("key_id", witness.victimId()).put("ref", "second-auth");
            client.send(second.toString());
            for (int i = 0; i < 30; i++) {
                client.send("{\"type\":\"ping\",\"ref\":\"p" + i + "\"}");
            }
            JsonNode welcome = client.next("welcome");
            assertThat(welcome.get("key_id").asText()).isEqualTo(attacker.keyId().toString());
            // Up to 16 frames wait for the welcome and more are refused: every ping gets an answer either way.
            int pongs = 0;
            int refused = 0;
            JsonNode secondAuth = null;
            while (pongs + refused + (secondAuth == null ? 0 : 1) < 31) {
                JsonNode pong = client.next("pong", Duration.ofMillis(200));
                if (pong != null) {
                    pongs++;
                    continue;
                }
                JsonNode error = client.next("error", Duration.ofMillis(200));
                assertThat(error).as("answer %d of 31 (%d pongs, %d refused)", pongs + refused + 1, pongs, refused)
                        .isNotNull();
                assertThat(error.get("code").asText()).isEqualTo("bad_frame");
                if ("second-auth".equals(error.path("ref").asText())) {
                    assertThat(secondAuth).as("one answer to the second auth").isNull();
                    secondAuth = error;
                } else {
                    refused++;
                }
            }
            assertThat(secondAuth.get("message").asText()).isEqualTo("already authenticated");
            assertThat(gateway.sessionsOf(witness.victimId())).isZero();
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    // ---------------------------------------------------------------- frames

    @Test
    void malformedJsonFramesGetBadFrameAndTheConnectionStays() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, RelayKeyPair.generate())) {
            // GatewayLimitsIT.badFramesGetErrorFrames… covers plain text, an array and a duplicate member.
            for (String frame : List.of("", " ", "null", "\"ping\"", "{\"type\":\"ping\"", "{\"type\":\"ping\"}}",
                    "{\"type\":\"ping\"}{\"type\":\"ping\"}", "{'type':'ping'}", "{type:\"ping\"}",
                    "{\"type\":\"ping\",}", "{\"type\":\"pi\u0000ng\"}", "{\"type\":\"ping\"} trailing",
                    "{\"type\":\"ping\",\"ref\":\"x\",\"ref\":\"y\"}", "\uFEFF{\"type\":\"ping\"}")) {
                client.send(frame);
                JsonNode error = client.next("error");
                assertThat(error).as("answer to %s", frame).isNotNull();
                assertThat(error.get("code").asText()).as("code for %s", frame).isIn("bad_frame", "unknown_frame");
            }
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    @Test
    void unknownFrameTypesAreIgnoredWithUnknownFrameAndNoFrameReadsAnotherInbox() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, RelayKeyPair.generate())) {
            String inbox = Clients.inbox(witness.victim);
            // There is no frame that names an inbox or topic: every attempt is an unknown frame.
            for (String type : List.of("subscribe", "read", "fetch", "receive", "SEND", "Ack", "welcome", "message")) {
                client.send("{\"type\":\"" + type + "\",\"ref\":\"" + type + "\",\"topic\":\"" + inbox
                        + "\",\"key_id\":\"" + witness.victimId() + "\",\"delivery\":1}");
                assertError(client, "unknown_frame", type);
            }
            // A second auth, as the victim, on an authenticated connection.
            client.send("{\"type\":\"auth\",\"ref\":\"again\",\"key_id\":\"" + witness.victimId()
                    + "\",\"token\":\"" + Clients.token(witness.victim, broker.realm()) + "\"}");
            assertError(client, "bad_frame", "again");
            assertThat(client.next("message", Duration.ofMillis(500))).as("nothing of the victim's").isNull();
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    @Test
    void framesWithMissingMembersOrWrongTypesGetBadFrame() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, RelayKeyPair.generate())) {
            Map<String, String> frames = new java.util.LinkedHashMap<>();
            frames.put("no-type", "{\"ref\":\"no-type\"}");
            frames.put("type-number", "{\"ref\":\"type-number\",\"type\":7}");
            frames.put("type-null", "{\"ref\":\"type-null\",\"type\":null}");
            frames.put("type-object", "{\"ref\":\"type-object\",\"type\":{\"send\":1}}");
            frames.put("send-no-envelope", "{\"type\":\"send\",\"ref\":\"send-no-envelope\"}");
            frames.put("envelope-array", "{\"type\":\"send\",\"ref\":\"envelope-array\",\"envelope\":[{}]}");
            frames.put("envelope-null", "{\"type\":\"send\",\"ref\":\"envelope-null\",\"envelope\":null}");
            frames.put("ack-no-delivery", "{\"type\":\"ack\",\"ref\":\"ack-no-delivery\"}");
            frames.put("delivery-string", "{\"type\":\"ack\",\"ref\":\"delivery-string\",\"delivery\":\"1\"}");
            frames.put("delivery-float", "{\"type\":\"ack\",\"ref\":\"delivery-float\",\"delivery\":1.0}");
            frames.put("delivery-bool", "{\"type\":\"ack\",\"ref\":\"delivery-bool\",\"delivery\":true}");
            frames.put("delivery-array", "{\"type\":\"ack\",\"ref\":\"delivery-array\",\"delivery\":[1]}");
            frames.put("transient-string", "{\"type\":\"ping\",\"ref\":\"transient-string\",\"transient\":\"yes\"}");
            for (Map.Entry<String, String> frame : frames.entrySet()) {
                client.send(frame.getValue());
                assertError(client, "bad_frame", frame.getKey());
            }
            // A ref that is not a 1..64 character string cannot be echoed: the error's ref is null.
            for (String frame : List.of("{\"type\":\"ping\",\"ref\":5}", "{\"type\":\"ping\",\"ref\":\"\"}",
                    "{\"type\":\"ping\",\"ref\":{\"a\":1}}")) {
                client.send(frame);
                assertError(client, "bad_frame", null);
            }
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutHarm() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, RelayKeyPair.generate())) {
            // 100 000 levels fit into one frame (200 KB); the gateway's parser stops at depth 32.
            String deep = "[".repeat(100_000) + "]".repeat(100_000);
            client.send("{\"type\":\"ping\",\"ref\":\"deep\",\"x\":" + deep + "}");
            assertError(client, "bad_frame", "deep");
            client.send("{\"type\":\"send\",\"ref\":\"deep-envelope\",\"envelope\":{\"to\":\"" + witness.victimId()
                    + "\",\"x\":" + deep + "}}");
            assertError(client, "bad_frame", "deep-envelope");
            String objects = "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000);
            client.send("{\"type\":\"ping\",\"ref\":\"deep-objects\",\"x\":" + objects + "}");
            assertError(client, "bad_frame", "deep-objects");
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    @Test
    void hugeNumbersAreRefusedOrNotFound() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, RelayKeyPair.generate())) {
            for (String number : List.of("1e400", "-1e400", "123456789012345678901234567890",
                    "9223372036854775808", "1" + "0".repeat(5000), "1E+2")) {
                client.send("{\"type\":\"ack\",\"ref\":\"huge\",\"delivery\":" + number + "}");
                assertError(client, "bad_frame", "huge");
            }
            for (long delivery : List.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L)) {
                client.ack(delivery);
                assertError(client, "not_found", String.valueOf(delivery));
            }
            // A huge number inside an envelope is the relay's to refuse.
            RelayKeyPair sender = RelayKeyPair.generate();
            Envelope envelope = Envelope.builder(Kind.MESSAGE).to(witness.victim.keyId()).body("x").sign(sender);
            String json = new String(envelope.toJson(), StandardCharsets.UTF_8)
                    .replaceFirst("\"ts\":\\d+", "\"ts\":1" + "0".repeat(400));
            client.send("{\"type\":\"send\",\"ref\":\"huge-ts\",\"envelope\":" + json + "}");
            JsonNode error = client.next("error");
            assertThat(error.get("ref").asText()).isEqualTo("huge-ts");
            assertThat(error.get("code").asText()).isIn("malformed", "sender_mismatch");
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    @Test
    void invalidUtf8InATextFrameClosesTheConnection() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            RelayKeyPair attacker = RelayKeyPair.generate();
            byte[] prefix = "{\"type\":\"ping\",\"ref\":\"".getBytes(StandardCharsets.US_ASCII);
            byte[] suffix = "\"}".getBytes(StandardCharsets.US_ASCII);
            List<byte[]> invalid = List.of(new byte[] {(byte) 0xc3, 0x28}, new byte[] {(byte) 0xff},
                    new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0xaf},
                    new byte[] {(byte) 0xe2, (byte) 0x82});
            for (byte[] bad : invalid) {
                try (RawWebSocket raw = RawWebSocket.open(gateway, "Relay " + attacker.keyId() + " "
                        + Clients.token(attacker, broker.realm()))) {
                    assertThat(raw.nextText("welcome")).isNotNull();
                    ByteBuffer frame = ByteBuffer.allocate(prefix.length + bad.length + suffix.length);
                    frame.put(prefix).put(bad).put(suffix);
                    raw.sendFrame(true, RawWebSocket.TEXT, frame.array());
                    RawWebSocket.Frame close = raw.awaitClose();
                    assertThat(close).as("close frame after %s", java.util.Arrays.toString(bad)).isNotNull();
                    assertThat(close.closeCode()).isEqualTo(1007);
                }
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void binaryFramesGetBadFrameAfterAuthAndCloseBeforeIt() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            try (WsClient client = agent(gateway, RelayKeyPair.generate())) {
                Envelope envelope = Envelope.builder(Kind.MESSAGE).to(witness.victim.keyId()).body("in binary")
                        .sign(RelayKeyPair.generate());
                client.session().getBasicRemote().sendBinary(ByteBuffer.wrap(
                        ("{\"type\":\"send\",\"ref\":\"bin\",\"envelope\":" + envelope.toJsonString() + "}")
                                .getBytes(StandardCharsets.UTF_8)));
                assertError(client, "bad_frame", null);
                client.session().getBasicRemote().sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}));
                assertError(client, "bad_frame", null);
                assertStillServed(client);
            }
            try (WsClient client = WsClient.open(gateway.uri())) {
                client.next("challenge");
                client.session().getBasicRemote().sendBinary(ByteBuffer.wrap(new byte[] {1}));
                assertClosed(client, 1008, "the first frame must be auth");
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void oversizedFramesAndFragmentedMessagesAreClosedWith1009() throws Exception {
        int max = 4096;
        try (RelayGateway gateway = broker.startGateway(b -> b.handshakesPerWindow(1000).maxFrameBytes(max)
                .idleTimeout(Duration.ofSeconds(3)));
             AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            // One frame over the limit after auth: GatewayLimitsIT.aFrameOverTheMaximumClosesWith1009. Before auth:
            try (WsClient client = WsClient.open(gateway.uri())) {
                client.next("challenge");
                client.send("{\"type\":\"auth\",\"pad\":\"" + "x".repeat(max) + "\"}");
                assertClosed(client, 1009, "");
            }
            RelayKeyPair attacker = RelayKeyPair.generate();
            // Small fragments of one message that add up to more than the limit: closed with 1009 at the end of the
            // message, and an endless stream of fragments is cut off instead of being buffered.
            byte[] piece = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            byte[] start = "{\"type\":\"ping\",\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
            try (RawWebSocket raw = RawWebSocket.open(gateway, "Relay " + attacker.keyId() + " "
                    + Clients.token(attacker, broker.realm()))) {
                assertThat(raw.nextText("welcome")).isNotNull();
                raw.sendFrame(false, RawWebSocket.TEXT, start);
                for (int i = 0; i < 20; i++) {
                    raw.sendFrame(false, RawWebSocket.CONTINUATION, piece);
                }
                raw.sendFrame(true, RawWebSocket.CONTINUATION, "\"}".getBytes(StandardCharsets.US_ASCII));
                RawWebSocket.Frame close = raw.awaitClose();
                assertThat(close).as("close frame").isNotNull();
                assertThat(close.closeCode()).isEqualTo(1009);
            }
            try (RawWebSocket raw = RawWebSocket.open(gateway, "Relay " + attacker.keyId() + " "
                    + Clients.token(attacker, broker.realm()))) {
                assertThat(raw.nextText("welcome")).isNotNull();
                raw.sendFrame(false, RawWebSocket.TEXT, start);
                int sent = 0;
                try {
                    for (; sent < 16_000; sent++) { // 16 MB, more than any socket buffers between us
                        raw.sendFrame(false, RawWebSocket.CONTINUATION, piece);
                    }
                } catch (java.io.IOException cutOff) {
                    // the gateway closed the connection
                }
                assertThat(sent).as("fragments the gateway took").isLessThan(16_000);
            }
            assertThat(gateway.metrics().closes(1009)).isEqualTo(3);
            // A header that announces 2^62 bytes and then the bytes: cut off once Tyrus' incoming buffer (4 MiB) is
            // full, never buffered on.
            try (RawWebSocket raw = RawWebSocket.open(gateway, "Relay " + attacker.keyId() + " "
                    + Clients.token(attacker, broker.realm()))) {
                assertThat(raw.nextText("welcome")).isNotNull();
                raw.sendFrame(true, RawWebSocket.TEXT, start, 1L << 62);
                int sent = 0;
                try {
                    for (; sent < 16_000; sent++) {
                        raw.sendRaw(piece);
                    }
                } catch (java.io.IOException cutOff) {
                    // the gateway closed the connection
                }
                assertThat(sent).as("kilobytes the gateway took").isLessThan(16_000);
            }
            // The same header and then silence: the frame never completes, and the idle timeout ends it.
            try (RawWebSocket raw = RawWebSocket.open(gateway, "Relay " + attacker.keyId() + " "
                    + Clients.token(attacker, broker.realm()))) {
                assertThat(raw.nextText("welcome")).isNotNull();
                raw.sendFrame(true, RawWebSocket.TEXT, start, 1L << 62);
                RawWebSocket.Frame close = raw.awaitClose();
                assertThat(close).as("close frame").isNotNull();
                assertThat(close.closeCode()).isEqualTo(4408);
            }
            assertThat(gateway.metrics().connectionsOpen()).isZero();
            witness.assertUnharmed();
        }
    }

    @Test
    void anEnvelopeOverTheEnvelopeLimitInsideAnAllowedFrameIsTooLarge() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, RelayKeyPair.generate())) {
            // 300 000 bytes: under max_frame_bytes (327 680), over the envelope limit (262 144).
            client.send("{\"type\":\"send\",\"ref\":\"big\",\"envelope\":{\"to\":\"" + witness.victimId()
                    + "\",\"id\":\"big-1\",\"pad\":\"" + "x".repeat(300_000) + "\"}}");
            JsonNode error = client.next("error");
            assertThat(error.get("code").asText()).isEqualTo("too_large");
            assertThat(error.get("ref").asText()).isEqualTo("big");
            assertThat(error.get("id").asText()).isEqualTo("big-1");
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    @Test
    void badBase64InCredentialsAndEnvelopesIsRefused() throws Exception {
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            RelayKeyPair attacker = RelayKeyPair.generate();
            String keyId = attacker.keyId().toString();
            String token = Clients.token(attacker, broker.realm());
            String[] parts = token.split("\\.");
            String badSignature = parts[0] + "." + parts[1] + "." + parts[2] + "." + "!!" + parts[3].substring(2);
            String paddedKey = keyId + "=";
            String badKey = "*" + keyId.substring(1);
            // Ready tokens and key ids that are not canonical base64url: HTTP 401 before any session.
            assertThat(handshakeStatus(gateway.uri(), Map.of("Authorization", "Relay " + keyId + " " + badSignature)))
                    .isEqualTo(401);
            assertThat(handshakeStatus(gateway.uri(), Map.of("Authorization", "Relay " + paddedKey + " " + token)))
                    .isEqualTo(401);
            assertThat(handshakeStatus(gateway.uri(), Map.of("Authorization", "Relay " + badKey + " " + token)))
                    .isEqualTo(401);
            // The same in an auth frame: 4401 bad_credentials.
            for (String[] credentials : List.of(new String[] {keyId, badSignature}, new String[] {paddedKey, token},
                    new String[] {badKey, token})) {
                try (WsClient client = WsClient.open(gateway.uri())) {
                    client.next("challenge");
                    ObjectNode auth = Json.MAPPER.createObjectNode().put("type", "auth")
                            .put("key_id", credentials[0]).put("token", credentials[1]);
                    client.send(auth.toString());
                    assertClosed(client, 4401, "bad_credentials");
                }
            }
            // Envelopes whose body or signature is not base64url: the relay refuses them as malformed.
            try (WsClient client = agent(gateway, attacker)) {
                Envelope envelope = Envelope.builder(Kind.MESSAGE).to(witness.victim.keyId()).body("hello")
                        .sign(attacker);
                ObjectNode json = (ObjectNode) Json.MAPPER.readTree(envelope.toJson());
                for (String member : List.of("body", "sig")) {
                    ObjectNode bad = json.deepCopy();
                    bad.put(member, "%%%" + bad.get(member).asText());
                    client.send("{\"type\":\"send\",\"ref\":\"" + member + "\",\"envelope\":" + bad + "}");
                    JsonNode error = client.next("error");
                    assertThat(error.get("ref").asText()).isEqualTo(member);
                    assertThat(error.get("code").asText()).as("bad base64 in %s", member).isEqualTo("malformed");
                }
                assertStillServed(client);
            }
            witness.assertUnharmed();
        }
    }

    // ---------------------------------------------------------------- sending

    @Test
    void anEnvelopeWithTwoRecipientsIsRefusedBeforeItIsPublished() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (RelayGateway gateway = gateway(); AttackWitness witness = AttackWitness.prepare(broker, gateway);
             WsClient client = agent(gateway, attacker)) {
            // Signed for the attacker's own inbox, with a second "to" naming the victim: if the gateway routed by
            // one and the relay checked the other, the envelope would land in an inbox its signature does not name.
            Envelope own = Envelope.builder(Kind.MESSAGE).to(attacker.keyId()).body("to whom?").sign(attacker);
            String json = own.toJsonString();
            String victimFirst = json.replaceFirst("\\{", "{\"to\":\"" + witness.victimId() + "\",");
            String victimLast = json.substring(0, json.length() - 1) + ",\"to\":\"" + witness.victimId() + "\"}";
            for (String envelope : List.of(victimFirst, victimLast)) {
                client.send("{\"type\":\"send\",\"ref\":\"two-to\",\"envelope\":" + envelope + "}");
                assertError(client, "bad_frame", "two-to");
            }
            // "to" in a form the gateway might normalise differently from the relay: refused, never routed.
            for (String to : List.of(witness.victimId() + " ", "SYS",
                    "relay/v1/inbox/" + witness.victimId(), "sys/../inbox/" + witness.victimId())) {
                ObjectNode tweaked = (ObjectNode) Json.MAPPER.readTree(own.toJson());
                tweaked.put("to", to);
                client.send("{\"type\":\"send\",\"ref\":\"odd-to\",\"envelope\":" + tweaked + "}");
                JsonNode error = client.next("error");
                assertThat(error.get("ref").asText()).isEqualTo("odd-to");
                assertThat(error.get("code").asText()).as("to = %s", to).isEqualTo("malformed");
            }
            assertStillServed(client);
            witness.assertUnharmed();
        }
    }

    // ---------------------------------------------------------------- resources

    @Test
    void unauthenticatedConnectionsHoldASessionSlotOnlyUntilTheAuthTimeout() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b.handshakesPerWindow(1000).maxSessions(5)
                .authTimeout(Duration.ofSeconds(2)));
             AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            RelayKeyPair alice = RelayKeyPair.generate();
            RelayKeyPair bob = RelayKeyPair.generate();
            try (WsClient a = agent(gateway, alice); WsClient b = agent(gateway, bob)) {
                List<WsClient> squatters = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        squatters.add(WsClient.open(gateway.uri()));
                    }
                    assertThat(handshakeStatus(gateway.uri(), Map.of())).isEqualTo(503);
                    // The sessions that were open keep working while the gateway is full.
                    Envelope hello = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("still here").sign(alice);
                    a.sendEnvelope("during", hello);
                    assertThat(a.next("accepted")).isNotNull();
                    JsonNode message = b.next("message");
                    assertThat(WsClient.envelopeOf(message)).isEqualTo(hello);
                    b.ack(message.get("delivery").asLong());
                    for (WsClient squatter : squatters) {
                        assertClosed(squatter, 4408, "idle_timeout");
                    }
                } finally {
                    squatters.forEach(WsClient::close);
                }
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void socketsThatNeverBecomeClientsAreDropped() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b.handshakesPerWindow(1000)
                .authTimeout(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(2)));
             AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            long before = gateway.metrics().tcpConnections();
            // Slowloris: a connection that says nothing, an HTTP request that never ends, and one that drips a header
            // line every second; and an idle keep-alive connection after a complete /health request.
            java.net.Socket silent = connect(gateway);
            java.net.Socket partial = connect(gateway);
            write(partial, "GET " + gateway.config().path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            java.net.Socket dripping = connect(gateway);
            write(dripping, "GET " + gateway.config().path + " HTTP/1.1\r\n");
            java.net.Socket keepAlive = connect(gateway);
            write(keepAlive, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            List<java.net.Socket> sockets = List.of(silent, partial, dripping, keepAlive);
            try {
                long accepted = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // the gateway accepts asynchronously
                while (gateway.metrics().tcpConnections() < before + 4 && System.nanoTime() < accepted) {
                    Thread.sleep(10);
                }
                assertThat(gateway.metrics().tcpConnections()).isEqualTo(before + 4);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                for (int i = 0; System.nanoTime() < deadline && gateway.metrics().tcpConnections() > before; i++) {
                    try {
                        write(dripping, "X-Drip-" + i + ": 1\r\n");
                    } catch (java.io.IOException cut) {
                        // dropped already
                    }
                    Thread.sleep(1000);
                }
                assertThat(gateway.metrics().tcpConnections()).as("TCP connections left").isEqualTo(before);
                for (java.net.Socket socket : sockets) {
                    socket.setSoTimeout(2000);
                    assertThat(readToEnd(socket)).as("the gateway ended the connection").isTrue();
                }
            } finally {
                for (java.net.Socket socket : sockets) {
                    socket.close();
                }
            }
            witness.assertUnharmed();
        }
    }

    private static java.net.Socket connect(RelayGateway gateway) throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()), 5000);
        return socket;
    }

    private static void write(java.net.Socket socket, String text) throws java.io.IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** True if the peer ended the connection (end of stream or reset), false if it is still open. */
    private static boolean readToEnd(java.net.Socket socket) throws java.io.IOException {
        try {
            java.io.InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // the /health answer
            }
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Test
    void aHandshakeFloodIsRefusedWith429WhileOpenSessionsKeepWorking() throws Exception {
        Duration window = Duration.ofSeconds(3);
        try (RelayGateway gateway = broker.startGateway(b -> b.handshakesPerWindow(6).handshakeWindow(window));
             AttackWitness witness = AttackWitness.prepare(broker, gateway)) {
            RelayKeyPair alice = RelayKeyPair.generate();
            RelayKeyPair bob = RelayKeyPair.generate();
            try (WsClient a = agent(gateway, alice); WsClient b = agent(gateway, bob)) {
                int refused = 0;
                for (int i = 0; i < 30; i++) {
                    try (WsClient client = WsClient.open(gateway.uri())) {
                        client.next("challenge", Duration.ofSeconds(2));
                    } catch (org.glassfish.tyrus.client.exception.DeploymentHandshakeException e) {
                        assertThat(e.getHttpStatusCode()).isEqualTo(429);
                        refused++;
                    }
                }
                assertThat(refused).isGreaterThanOrEqualTo(20);
                // The sessions that were open keep working during the flood.
                Envelope hello = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("during the flood").sign(alice);
                a.sendEnvelope("during", hello);
                assertThat(a.next("accepted")).isNotNull();
                JsonNode message = b.next("message");
                assertThat(WsClient.envelopeOf(message)).isEqualTo(hello);
                b.ack(message.get("delivery").asLong());
            }
            // The address's bucket refills within the window; then new clients (the witness' three) get in again.
            Thread.sleep(window.toMillis() + 500);
            witness.assertUnharmed();
        }
    }
}
