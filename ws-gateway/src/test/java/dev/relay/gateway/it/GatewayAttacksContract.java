package dev.relay.gateway.it;

import static dev.relay.gateway.it.GatewayContract.assertClosed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.gateway.RelayGateway;
import dev.relay.hivemq.it.Clients;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the gateway whose outcome the broker's relay decides (tokens, envelopes, system requests, the send
 * budget), run on both brokers by {@link HiveMQGatewayAttacksIT} and {@link ArtemisGatewayAttacksIT}. Each test asserts
 * what the attacker sees, and with {@link AttackWitness} that a bystander pair still talks and that the victim's inbox
 * and policy are untouched. The broker runs with Relay's default limits (30 sends per minute per identity).
 */
abstract class GatewayAttacksContract {
    RelayGateway gateway;

    abstract BrokerUnderTest broker();

    @BeforeEach
    void startGateway() throws Exception {
        // The per-address handshake limit is GatewayAttacksIT's subject; here every connection comes from 127.0.0.1.
        gateway = broker().startGateway(b -> b.handshakesPerWindow(1000));
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
    }

    /** The code of a refused CONNECT as the WebSocket sees it: the relay's, or bad_credentials on Artemis (§13.2). */
    String connectCode(String relayCode) {
        return broker().reasonStrings() ? relayCode : "bad_credentials";
    }

    WsClient agent(RelayKeyPair key) throws Exception {
        return WsClient.authenticated(gateway.uri(), key, broker().realm(), null);
    }

    WsClient withReadyToken(String keyId, String token) throws Exception {
        return WsClient.open(gateway.uri(), Map.of("Authorization", "Relay " + keyId + " " + token));
    }

    /** The CONNACK reason code of an MQTT 5 connect with these credentials (0 if accepted). */
    int mqttConnect(String clientId, String keyId, String token) {
        try {
            Clients.pahoV5(broker().mqttUri().toString(), clientId, keyId, token, true).close();
            return 0;
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    @Test
    void aTokenUsedOnOneTransportIsRefusedOnTheOther() throws Exception {
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway)) {
            String victim = witness.victimId();
            // The victim connects its MQTT tool with a token; an eavesdropper replays it to the gateway.
            String usedOverMqtt = Clients.token(witness.victim, broker().realm());
            assertThat(mqttConnect(victim + ".tool", victim, usedOverMqtt)).isZero();
            try (WsClient replay = withReadyToken(victim, usedOverMqtt)) {
                assertClosed(replay, 4401, connectCode("replay"));
            }
            // The victim answers a gateway challenge; the eavesdropper replays that answer over MQTT, and to the
            // gateway as a ready token.
            String challengeAnswer;
            try (WsClient legit = WsClient.open(gateway.uri())) {
                String nonce = legit.next("challenge").get("nonce").asText();
                String auth = legit.authFrame(witness.victim, broker().realm(), nonce, null);
                challengeAnswer = Json.MAPPER.readTree(auth).get("token").asText();
                legit.send(auth);
                assertThat(legit.next("welcome")).isNotNull();
                assertThat(legit.next("message")).as("the waiting message, left unacknowledged").isNotNull();
            }
            assertThat(mqttConnect(victim, victim, challengeAnswer)).isEqualTo(Clients.BAD_USERNAME_OR_PASSWORD);
            try (WsClient replay = withReadyToken(victim, challengeAnswer)) {
                assertClosed(replay, 4401, connectCode("replay"));
            }
            // A ready token the victim used at the gateway, replayed over MQTT.
            String readyToken = Clients.token(witness.victim, broker().realm());
            try (WsClient legit = withReadyToken(victim, readyToken)) {
                assertThat(legit.next("welcome")).isNotNull();
            }
            assertThat(mqttConnect(victim, victim, readyToken)).isEqualTo(Clients.BAD_USERNAME_OR_PASSWORD);
            witness.assertUnharmed();
        }
    }

    @Test
    void staleFutureAndOtherRealmTokensAreRefusedWith4401() throws Exception {
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway)) {
            String victim = witness.victimId();
            long now = Instant.now().getEpochSecond();
            String stale = ConnectToken.create(witness.victim, broker().realm(), now - 3600).password();
            try (WsClient client = withReadyToken(victim, stale)) {
                assertClosed(client, 4401, connectCode("expired_token"));
            }
            String future = ConnectToken.create(witness.victim, broker().realm(), now + 3600).password();
            try (WsClient client = withReadyToken(victim, future)) {
                assertClosed(client, 4401, connectCode("expired_token"));
            }
            // A stale answer to a fresh challenge (right nonce, old timestamp).
            try (WsClient client = WsClient.open(gateway.uri())) {
                byte[] nonce = Base64Url.decode(client.next("challenge").get("nonce").asText(), "nonce");
                client.send(authFrame(victim, ConnectToken.create(witness.victim, broker().realm(), now - 3600, nonce)
                        .password(), null));
                assertClosed(client, 4401, connectCode("expired_token"));
            }
            String otherRealm = ConnectToken.create(witness.victim, "another-realm", now).password();
            try (WsClient client = withReadyToken(victim, otherRealm)) {
                assertClosed(client, 4401, connectCode("bad_signature"));
            }
            assertThat(gateway.metrics().sessionsOpen()).isZero();
            witness.assertUnharmed();
        }
    }

    @Test
    void aTokenOfOneKeyPresentedAsAnotherKeyIsRefusedAndDoesNotTakeOverItsSession() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway)) {
            String victim = witness.victimId();
            try (WsClient online = witness.victimClient()) {
                assertThat(online.next("message")).as("the waiting message, left unacknowledged").isNotNull();
                // Ready token signed by the attacker, presented as the victim's (its session "ws" is online).
                try (WsClient client = withReadyToken(victim, Clients.token(attacker, broker().realm()))) {
                    assertClosed(client, 4401, connectCode("bad_signature"));
                }
                // The same as a challenge answer.
                try (WsClient client = WsClient.open(gateway.uri())) {
                    byte[] nonce = Base64Url.decode(client.next("challenge").get("nonce").asText(), "nonce");
                    client.send(authFrame(victim, ConnectToken.create(attacker, broker().realm(),
                            Instant.now().getEpochSecond(), nonce).password(), "ws"));
                    assertClosed(client, 4401, connectCode("bad_signature"));
                }
                online.send("{\"type\":\"ping\",\"ref\":\"still-mine\"}");
                assertThat(online.next("pong")).as("the victim's connection survived").isNotNull();
                assertThat(online.closed()).isNotDone();
                assertThat(gateway.sessionsOf(victim)).isEqualTo(1);
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void aForgedFromOrSomeoneElsesEnvelopeIsRefusedWithSenderMismatch() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway); WsClient client = agent(attacker)) {
            // The attacker's own envelope to the victim with "from" rewritten to the victim's real correspondent.
            Envelope own = Envelope.builder(Kind.MESSAGE).to(witness.victim.keyId()).body("pay the attacker")
                    .sign(attacker);
            ObjectNode forged = (ObjectNode) Json.MAPPER.readTree(own.toJson());
            forged.put("from", witness.sender.keyId());
            client.send("{\"type\":\"send\",\"ref\":\"forged\",\"envelope\":" + forged + "}");
            JsonNode error = client.next("error");
            assertThat(error.get("code").asText()).isEqualTo("sender_mismatch");
            assertThat(error.get("ref").asText()).isEqualTo("forged");
            assertThat(error.get("id").asText()).isEqualTo(own.id());

            // A genuine envelope of the victim's correspondent (sent to the attacker), sent on by the attacker.
            Envelope genuine = witness.sender.send(attacker, "for the attacker only");
            assertThat(nextSkippingErrorEnvelopes(client)).isEqualTo(genuine);
            client.sendEnvelope("relayed", genuine);
            JsonNode relayed = client.next("error");
            assertThat(relayed.get("code").asText()).isEqualTo("sender_mismatch");
            assertThat(relayed.get("ref").asText()).isEqualTo("relayed");
            witness.assertUnharmed();
        }
    }

    @Test
    void aClientCannotSendRelayResponsesOrErrors() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway); WsClient client = agent(attacker)) {
            Envelope fakeResponse = Envelope.builder(Kind.RESPONSE).to(witness.victim.keyId())
                    .inReplyTo(witness.waiting.id()).body("{\"result\":{\"mode\":\"open\"}}").sign(attacker);
            Envelope fakeError = Envelope.builder(Kind.ERROR).to(witness.victim.keyId())
                    .inReplyTo(witness.waiting.id())
                    .body("{\"code\":\"acl_denied\",\"message\":\"you are blocked\"}").sign(attacker);
            for (Envelope forged : List.of(fakeResponse, fakeError)) {
                client.sendEnvelope(forged.kind().wireName(), forged);
                JsonNode error = client.next("error");
                assertThat(error).as("refusal of a forged %s", forged.kind()).isNotNull();
                assertThat(error.get("code").asText()).isEqualTo("forbidden");
                assertThat(error.get("ref").asText()).isEqualTo(forged.kind().wireName());
                assertThat(error.get("id").asText()).isEqualTo(forged.id());
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void aReplayedEnvelopeIsAcceptedAgainButDeliveredOnce() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway)) {
            Envelope once = Envelope.builder(Kind.MESSAGE).to(witness.victim.keyId()).body("open the door")
                    .sign(sender);
            try (WsClient client = agent(sender)) {
                for (String ref : List.of("first", "replay")) {
                    client.sendEnvelope(ref, once);
                    JsonNode accepted = client.next("accepted");
                    assertThat(accepted).as("%s accepted", ref).isNotNull();
                    assertThat(accepted.get("ref").asText()).isEqualTo(ref);
                    assertThat(accepted.get("id").asText()).isEqualTo(once.id());
                }
            }
            // Again from a new connection: the relay remembers (from, id), not the connection.
            try (WsClient client = agent(sender)) {
                client.sendEnvelope("replay-after-reconnect", once);
                assertThat(client.next("accepted")).isNotNull();
            }
            witness.assertUnharmed(once);
        }
    }

    @Test
    void ackingDeliveriesThatAreNotOutstandingOnTheOwnConnectionAcknowledgesNothing() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway);
             WsClient client = agent(attacker)) {
            try (WsClient online = witness.victimClient()) {
                JsonNode outstanding = online.next("message");
                assertThat(WsClient.envelopeOf(outstanding)).isEqualTo(witness.waiting);
                long delivery = outstanding.get("delivery").asLong();
                // The victim's delivery number, its neighbours and absurd ones: none is outstanding on the
                // attacker's connection.
                for (long guess : List.of(delivery, delivery + 1, 0L, -1L, Long.MAX_VALUE)) {
                    client.ack(guess);
                    JsonNode error = client.next("error");
                    assertThat(error.get("code").asText()).isEqualTo("not_found");
                    assertThat(error.get("ref").asText()).isEqualTo(String.valueOf(guess));
                }
                // Acknowledging by envelope id is not a thing.
                client.send("{\"type\":\"ack\",\"ref\":\"by-id\",\"id\":\"" + witness.waiting.id() + "\"}");
                JsonNode byId = client.next("error");
                assertThat(byId.get("code").asText()).isEqualTo("bad_frame");
                assertThat(byId.get("ref").asText()).isEqualTo("by-id");
                // The victim leaves without acknowledging: the message must still be there.
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void aSystemRequestNamingAnotherOwnerFailsWithNotOwner() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway); WsClient client = agent(attacker)) {
            String victim = witness.victimId();
            List<Envelope> requests = List.of(
                    SystemRequest.envelope(attacker, SystemOp.POLICY_SET, Map.of("mode", "closed", "owner", victim)),
                    SystemRequest.envelope(attacker, SystemOp.POLICY_ADD,
                            Map.of("list", "block", "keys", List.of(witness.sender.keyId()), "owner", victim)),
                    SystemRequest.envelope(attacker, SystemOp.POLICY_GET, Map.of("owner", victim)));
            for (Envelope request : requests) {
                client.sendEnvelope("req", request);
                assertThat(client.next("accepted").get("id").asText()).isEqualTo(request.id());
                JsonNode message = client.next("message");
                assertThat(message).as("answer to %s", request.id()).isNotNull();
                Envelope answer = WsClient.envelopeOf(message);
                client.ack(message.get("delivery").asLong());
                assertThat(answer.kind()).isEqualTo(Kind.ERROR);
                assertThat(answer.inReplyTo()).isEqualTo(request.id());
                assertThat(Json.MAPPER.readTree(answer.body()).get("code").asText()).isEqualTo("not_owner");
            }
            witness.assertUnharmed();
        }
    }

    @Test
    void reconnectingDoesNotRefillTheRelaysSendBudget() throws Exception {
        RelayKeyPair attacker = RelayKeyPair.generate();
        RelayKeyPair sink = RelayKeyPair.generate();
        try (AttackWitness witness = AttackWitness.prepare(broker(), gateway)) {
            // Spend the identity's budget (default burst 30) on one connection.
            try (WsClient client = agent(attacker)) {
                JsonNode refused = null;
                for (int i = 0; i < 60 && refused == null; i++) {
                    client.sendEnvelope("spend-" + i, message(attacker, sink, "spend " + i));
                    refused = answer(client);
                }
                assertThat(refused).as("the relay's send budget ran out").isNotNull();
                assertThat(refused.get("code").asText()).isEqualTo("rate_limited");
                assertThat(refused.get("retry_after").asLong()).isPositive();
            }
            // Each reconnect has a fresh gateway frame budget, but the relay's budget is per identity.
            long start = System.nanoTime();
            int accepted = 0;
            for (int round = 0; round < 3; round++) {
                try (WsClient client = agent(attacker)) {
                    JsonNode error = null;
                    for (int i = 0; i < 5 && error == null; i++) {
                        client.sendEnvelope("again-" + round + "-" + i, message(attacker, sink, "again " + i));
                        error = answer(client);
                        if (error == null) {
                            accepted++;
                        }
                    }
                    assertThat(error).as("round %d rate limited", round).isNotNull();
                    assertThat(error.get("code").asText()).isEqualTo("rate_limited");
                    assertThat(error.get("retry_after").asLong()).isPositive();
                }
            }
            // 30 per minute refill: no more than the refill over the elapsed time (plus one for rounding).
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(accepted).as("accepted in %.1f s", seconds).isLessThanOrEqualTo((int) (seconds / 2) + 1);
            witness.assertUnharmed();
        }
    }

    /**
     * The next envelope delivered to {@code client} (acknowledged), passing over the relay's error envelopes: on
     * Artemis a refused send also puts one into the sender's inbox (SPEC §10.9).
     */
    private static Envelope nextSkippingErrorEnvelopes(WsClient client) throws Exception {
        while (true) {
            JsonNode message = client.next("message");
            assertThat(message).as("a message").isNotNull();
            Envelope envelope = WsClient.envelopeOf(message);
            client.ack(message.get("delivery").asLong());
            if (envelope.kind() != Kind.ERROR) {
                return envelope;
            }
        }
    }

    private static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).body(text.getBytes(StandardCharsets.UTF_8)).sign(from);
    }

    /**
     * Null if the last send was accepted, else its error frame. Acknowledges what arrives meanwhile (the relay's error
     * envelopes on Artemis), as a client must: nothing stale is delivered again on the next connection.
     */
    private static JsonNode answer(WsClient client) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode message = client.next("message", Duration.ofMillis(50));
            if (message != null) {
                client.ack(message.get("delivery").asLong());
            }
            JsonNode accepted = client.next("accepted", Duration.ofMillis(100));
            if (accepted != null) {
                return null;
            }
            JsonNode error = client.next("error", Duration.ofMillis(100));
            if (error != null) {
                return error;
            }
        }
        throw new AssertionError("no answer to a send");
    }

    private static String authFrame(String keyId, String token, String session) {
        ObjectNode frame = Json.MAPPER.createObjectNode();
        frame.put("type", "auth");
        frame.put("key_id", keyId);
        frame.put("token", token);
        if (session != null) {
            frame.put("session", session);
        }
        return frame.toString();
    }
}
