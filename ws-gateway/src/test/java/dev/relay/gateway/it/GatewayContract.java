package dev.relay.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.gateway.RelayGateway;
import dev.relay.hivemq.it.Clients;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import jakarta.websocket.CloseReason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.glassfish.tyrus.client.exception.DeploymentHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway does on every broker (SPEC §13), run by {@link HiveMQGatewayIT} and {@link ArtemisGatewayIT}
 * against a real broker with Relay inside, a real gateway and real clients (Tyrus WebSocket, Paho MQTT 5).
 */
abstract class GatewayContract {
    static final Duration WAIT = Duration.ofSeconds(10);
    RelayGateway gateway;

    abstract BrokerUnderTest broker();

    @BeforeEach
    void startGateway() throws Exception {
        gateway = broker().startGateway(b -> b);
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
    }

    WsClient agent(RelayKeyPair key) throws Exception {
        return WsClient.authenticated(gateway.uri(), key, broker().realm(), null);
    }

    @Test
    void agentAndMqttDeviceTalkBothWaysWithSignaturesVerifiedAtTheRecipients() throws Exception {
        RelayKeyPair agentKey = RelayKeyPair.generate();
        try (WsClient agent = agent(agentKey); Device device = new Device(broker())) {
            Envelope command = Envelope.builder(Kind.MESSAGE).to(device.key.keyId()).contentType("text/plain")
                    .body("fan on").sign(agentKey);
            agent.sendEnvelope("c1", command);
            JsonNode accepted = agent.next("accepted");
            assertThat(accepted.get("ref").asText()).isEqualTo("c1");
            assertThat(accepted.get("id").asText()).isEqualTo(command.id());

            Envelope atDevice = device.receive(WAIT);
            assertThat(atDevice).isEqualTo(command);
            assertThat(atDevice.from()).isEqualTo(agentKey.keyId().toString());

            Envelope reply = device.send(agentKey, "fan is on");
            JsonNode message = agent.next("message");
            Envelope atAgent = WsClient.envelopeOf(message);
            assertThat(atAgent).isEqualTo(reply);
            assertThat(atAgent.from()).isEqualTo(device.keyId());
            agent.ack(message.get("delivery").asLong());
        }
    }

    @Test
    void challengeAnswersThatTheGatewayOrTheBrokerRefuseCloseWith4401AndTheCode() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        // Another nonce than the challenge's: refused by the gateway before the broker is asked.
        try (WsClient client = WsClient.open(gateway.uri())) {
            client.next("challenge");
            client.send(client.authFrame(key, broker().realm(), "AAECAwQFBgcICQoLDA0ODw", null));
            assertClosed(client, 4401, "bad_credentials");
        }
        // A token for another realm: the broker's relay refuses it (bad_signature, or 0x86 only on Artemis).
        try (WsClient client = WsClient.open(gateway.uri())) {
            JsonNode challenge = client.next("challenge");
            assertThat(challenge.get("realm").asText()).isEqualTo(broker().realm());
            client.send(client.authFrame(key, "another-realm", challenge.get("nonce").asText(), null));
            assertClosed(client, 4401, broker().reasonStrings() ? "bad_signature" : "bad_credentials");
        }
        // A session suffix outside [A-Za-z0-9_-]{1,20}.
        try (WsClient client = WsClient.open(gateway.uri())) {
            JsonNode challenge = client.next("challenge");
            client.send(client.authFrame(key, broker().realm(), challenge.get("nonce").asText(), "no/slash"));
            assertClosed(client, 4401, "bad_client_id");
        }
        // Anything but auth first.
        try (WsClient client = WsClient.open(gateway.uri())) {
            client.next("challenge");
            client.send("{\"type\":\"ping\"}");
            assertClosed(client, 1008, "");
        }
        assertThat(gateway.metrics().sessionsOpen()).isZero();
        // The key is still fine: none of the above burnt anything.
        try (WsClient client = agent(key)) {
            assertThat(client.session().isOpen()).isTrue();
        }
    }

    @Test
    void readyTokenInTheHeaderOrQueryAuthenticatesAndCannotBeUsedTwice() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = key.keyId().toString();
        String token = Clients.token(key, broker().realm());
        try (WsClient client = WsClient.open(gateway.uri(), Map.of("Authorization", "Relay " + keyId + " " + token))) {
            JsonNode welcome = client.next("welcome");
            assertThat(welcome.get("key_id").asText()).isEqualTo(keyId);
            assertThat(welcome.get("client_id").asText()).isEqualTo(keyId + ".ws");
        }
        URI withQuery = URI.create(gateway.uri() + "?key_id=" + keyId + "&token=" + token + "&session=cli");
        try (WsClient replayed = WsClient.open(withQuery)) {
            assertClosed(replayed, 4401, broker().reasonStrings() ? "replay" : "bad_credentials");
        }
        String fresh = Clients.token(key, broker().realm());
        try (WsClient client = WsClient.open(URI.create(gateway.uri() + "?key_id=" + keyId + "&token=" + fresh
                + "&session=cli"))) {
            assertThat(client.next("welcome").get("client_id").asText()).isEqualTo(keyId + ".cli");
        }
        assertThatHandshakeFailsWith(401, Map.of("Authorization", "Bearer " + token));
        assertThatHandshakeFailsWith(401, Map.of("Authorization", "Relay " + keyId + " v1.not-a-token"));
    }

    @Test
    void aMessageTheClientNeverAckedIsDeliveredAgainOnItsNextConnection() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Device device = new Device(broker())) {
            Envelope sent;
            try (WsClient first = agent(key)) {
                sent = device.send(key, "deliver me twice");
                JsonNode message = first.next("message");
                assertThat(WsClient.envelopeOf(message)).isEqualTo(sent);
                // no ack
            }
            try (WsClient second = agent(key)) {
                JsonNode again = second.next("message");
                assertThat(again).as("redelivered after reconnect").isNotNull();
                assertThat(WsClient.envelopeOf(again)).isEqualTo(sent);
                second.ack(again.get("delivery").asLong());
                assertThat(second.next("error", Duration.ofMillis(500))).as("ack accepted").isNull();
            }
            try (WsClient third = agent(key)) {
                assertThat(third.next("message", Duration.ofSeconds(2))).as("acked: not delivered again").isNull();
            }
        }
    }

    @Test
    void messagesThatArriveWhileTheClientIsAwayArriveWhenItComesBack() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Device device = new Device(broker())) {
            try (WsClient first = agent(key)) {
                assertThat(first.session().isOpen()).isTrue();
            }
            List<Envelope> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sent.add(device.send(key, "while away " + i));
            }
            try (WsClient back = agent(key)) {
                List<Envelope> received = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    JsonNode message = back.next("message");
                    assertThat(message).as("message %d", i).isNotNull();
                    received.add(WsClient.envelopeOf(message));
                    back.ack(message.get("delivery").asLong());
                }
                assertThat(received).containsExactlyElementsOf(sent);
            }
        }
    }

    @Test
    void aRefusedSendGetsAnErrorFrameWithTheRelaysCodeAndTheConnectionStays() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair someoneElse = RelayKeyPair.generate();
        try (WsClient agent = agent(key)) {
            Envelope forged = Envelope.builder(Kind.MESSAGE).to(key.keyId()).body("not from me").sign(someoneElse);
            agent.sendEnvelope("f1", forged);
            JsonNode error = agent.next("error");
            assertThat(error.get("code").asText()).isEqualTo("sender_mismatch");
            assertThat(error.get("ref").asText()).isEqualTo("f1");
            assertThat(error.get("id").asText()).isEqualTo(forged.id());

            agent.send("{\"type\":\"send\",\"ref\":\"f2\",\"envelope\":{\"to\":\"nobody\"}}");
            JsonNode unroutable = agent.next("error");
            assertThat(unroutable.get("code").asText()).isEqualTo("malformed");
            assertThat(unroutable.get("ref").asText()).isEqualTo("f2");

            agent.send("{\"type\":\"ping\",\"ref\":\"still-here\"}");
            assertThat(agent.next("pong").get("ref").asText()).isEqualTo("still-here");
        }
    }

    /** SPEC §13.3: a one-shot tool's transient session does not take what waits for the identity's default session. */
    @Test
    void aTransientSessionLeavesWhatWaitsToTheDefaultSession() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Device device = new Device(broker())) {
            agent(key).close(); // the default session exists and is offline
            Envelope waiting = device.send(key, "waits for the default session");
            Envelope live;
            try (WsClient oneShot = WsClient.authenticated(gateway.uri(), key, broker().realm(), "cli", true)) {
                live = device.send(key, "sent while the one-shot session is connected");
                JsonNode first = oneShot.next("message");
                assertThat(first).as("a message for the one-shot session").isNotNull();
                assertThat(WsClient.envelopeOf(first).id()).isEqualTo(live.id());
                oneShot.ack(first.get("delivery").asLong());
            }
            try (WsClient back = agent(key)) {
                for (Envelope expected : List.of(waiting, live)) {
                    JsonNode message = back.next("message");
                    assertThat(message).as("message %s", expected.id()).isNotNull();
                    assertThat(WsClient.envelopeOf(message).id()).isEqualTo(expected.id());
                    back.ack(message.get("delivery").asLong());
                }
            }
        }
    }

    /** Issue: on Artemis another session of the identity took the error envelope that explained a refusal. */
    @Test
    void everyRefusedSendCarriesItsOwnCodeWhileAnotherSessionReadsTheInbox() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (WsClient b = agent(bob);
             WsClient reader = WsClient.authenticated(gateway.uri(), alice, broker().realm(), "reader");
             WsClient sender = agent(alice)) {
            b.sendEnvelope("p", SystemRequest.envelope(bob, SystemOp.POLICY_SET, Map.of("mode", "closed")));
            assertThat(WsClient.envelopeOf(b.next("message")).kind()).isEqualTo(Kind.RESPONSE);
            for (int i = 0; i < 4; i++) {
                Envelope refused = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("no " + i).sign(alice);
                sender.sendEnvelope("s" + i, refused);
                JsonNode error = sender.next("error");
                assertThat(error).as("error frame %d", i).isNotNull();
                assertThat(error.get("code").asText()).as("code of send %d", i).isEqualTo("acl_denied");
                assertThat(error.get("ref").asText()).isEqualTo("s" + i);
                assertThat(error.get("id").asText()).isEqualTo(refused.id());
            }
            assertThat(reader.session().isOpen()).isTrue();
        }
    }

    @Test
    void aSystemRequestIsAnsweredInTheInboxWithASignedResponse() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (WsClient agent = agent(key)) {
            Envelope request = SystemRequest.envelope(key, SystemOp.RELAY_INFO, Map.of());
            agent.sendEnvelope("r1", request);
            assertThat(agent.next("accepted").get("id").asText()).isEqualTo(request.id());
            JsonNode message = agent.next("message");
            Envelope response = WsClient.envelopeOf(message);
            assertThat(response.kind()).isEqualTo(Kind.RESPONSE);
            assertThat(response.inReplyTo()).isEqualTo(request.id());
            JsonNode body = dev.relay.protocol.Json.MAPPER.readTree(response.body());
            assertThat(body.path("result").path("realm").asText()).isEqualTo(broker().realm());
            agent.ack(message.get("delivery").asLong());
        }
    }

    @Test
    void streamChunksArriveInOrderAndTheFinalMessageClosesTheStream() throws Exception {
        RelayKeyPair asker = RelayKeyPair.generate();
        RelayKeyPair answerer = RelayKeyPair.generate();
        try (WsClient app = agent(asker); WsClient agent = agent(answerer)) {
            Envelope question = Envelope.builder(Kind.MESSAGE).to(answerer.keyId()).body("is the fan on?").sign(asker);
            app.sendEnvelope("q", question);
            JsonNode asked = agent.next("message");
            assertThat(WsClient.envelopeOf(asked)).isEqualTo(question);
            agent.ack(asked.get("delivery").asLong());

            String[] tokens = {"The", " fan", " is", " on", "."};
            for (int seq = 0; seq < tokens.length; seq++) {
                agent.sendEnvelope("s" + seq, Envelope.builder(Kind.STREAM).to(asker.keyId())
                        .inReplyTo(question.id()).seq(seq).body(tokens[seq]).sign(answerer));
            }
            Envelope last = Envelope.builder(Kind.MESSAGE).to(asker.keyId()).inReplyTo(question.id())
                    .body(String.join("", tokens)).sign(answerer);
            agent.sendEnvelope("final", last);

            // SPEC §3.5.3: receivers order chunks by seq. Artemis may swap two QoS 1 deliveries of one sender
            // (upstream ARTEMIS-6191), so the final message can even come before the last chunk.
            SortedMap<Integer, String> chunks = new TreeMap<>();
            List<Integer> arrivals = new ArrayList<>();
            String complete = null;
            while (complete == null || chunks.size() < tokens.length) {
                JsonNode frame = app.next("message");
                assertThat(frame).as("stream frame (chunks so far %s)", arrivals).isNotNull();
                Envelope piece = WsClient.envelopeOf(frame);
                app.ack(frame.get("delivery").asLong());
                assertThat(piece.inReplyTo()).isEqualTo(question.id());
                String text = new String(piece.body(), StandardCharsets.UTF_8);
                if (piece.kind() == Kind.MESSAGE) {
                    assertThat(complete).as("one final message").isNull();
                    complete = text;
                } else {
                    arrivals.add(piece.seq());
                    assertThat(chunks.put(piece.seq(), text)).as("chunk %s once", piece.seq()).isNull();
                }
            }
            assertThat(chunks.keySet()).containsExactly(0, 1, 2, 3, 4);
            assertThat(String.join("", chunks.values())).isEqualTo(complete).isEqualTo("The fan is on.");
        }
    }

    static void assertClosed(WsClient client, int code, String reasonPrefix) throws Exception {
        CloseReason reason = client.awaitClose();
        assertThat(reason.getCloseCode().getCode()).as("close code (%s)", reason.getReasonPhrase()).isEqualTo(code);
        assertThat(reason.getReasonPhrase()).startsWith(reasonPrefix);
    }

    void assertThatHandshakeFailsWith(int status, Map<String, String> headers) {
        assertThat(handshakeStatus(gateway.uri(), headers)).isEqualTo(status);
    }

    /** The HTTP status of a refused handshake (the test fails if the handshake succeeds). */
    static int handshakeStatus(URI uri, Map<String, String> headers) {
        try (WsClient client = WsClient.open(uri, headers)) {
            throw new AssertionError("handshake succeeded: " + client.session().getId());
        } catch (DeploymentHandshakeException e) {
            return e.getHttpStatusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
