package dev.relay.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.gateway.RelayGateway;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every attack test checks besides the refusal (helper-common: (2) and (3)): a victim identity with a message
 * waiting in its persistent gateway session and a known inbox policy, prepared before the attack; afterwards a fresh
 * bystander pair still exchanges a message through the gateway, and the victim gets exactly its waiting message (plus
 * what the test expects) and nothing else, with its policy unchanged.
 */
final class AttackWitness implements AutoCloseable {
    private static final Duration QUIET = Duration.ofSeconds(1);

    final RelayKeyPair victim = RelayKeyPair.generate();
    /** An MQTT device that legitimately wrote to the victim: its message waits in the victim's session. */
    final Device sender;
    final Envelope waiting;
    private final BrokerUnderTest broker;
    private final URI gateway;
    private final JsonNode policyBefore;
    /** The answer to the witness' own policy.get: acknowledged right before a close, so it may come again. */
    private String policyAnswerId;

    private AttackWitness(BrokerUnderTest broker, URI gateway) throws Exception {
        this.broker = broker;
        this.gateway = gateway;
        // The victim's session exists (and holds its subscription) before anything is sent to it.
        try (WsClient victimClient = WsClient.authenticated(gateway, victim, broker.realm(), null)) {
            Envelope answer = policyAnswer(victimClient, victim);
            policyAnswerId = answer.id();
            policyBefore = Json.MAPPER.readTree(answer.body()).get("result");
        }
        sender = new Device(broker);
        waiting = sender.send(victim, "waiting for the victim");
    }

    static AttackWitness prepare(BrokerUnderTest broker, RelayGateway gateway) throws Exception {
        return new AttackWitness(broker, gateway.uri());
    }

    String victimId() {
        return victim.keyId().toString();
    }

    /** The victim connected through the gateway (its default session, which holds the waiting message). */
    WsClient victimClient() throws Exception {
        return WsClient.authenticated(gateway, victim, broker.realm(), null);
    }

    /**
     * (2) a new bystander pair exchanges a message through the gateway; (3) the victim receives exactly the waiting
     * message and {@code alsoForVictim}, nothing else, and its inbox policy is what it was before the attack.
     */
    void assertUnharmed(Envelope... alsoForVictim) throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (WsClient a = WsClient.authenticated(gateway, alice, broker.realm(), null);
             WsClient b = WsClient.authenticated(gateway, bob, broker.realm(), null)) {
            Envelope hello = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("bystander hello").sign(alice);
            a.sendEnvelope("bystander", hello);
            JsonNode accepted = a.next("accepted");
            assertThat(accepted).as("bystander's send accepted (closed: %s)", a.closed().getNow(null)).isNotNull();
            JsonNode message = b.next("message");
            assertThat(message).as("bystander's message delivered").isNotNull();
            assertThat(WsClient.envelopeOf(message)).isEqualTo(hello);
            b.ack(message.get("delivery").asLong());
        }
        List<Envelope> expected = new ArrayList<>();
        expected.add(waiting);
        expected.addAll(List.of(alsoForVictim));
        try (WsClient v = victimClient()) {
            List<Envelope> received = new ArrayList<>();
            while (received.size() < expected.size()) {
                JsonNode message = v.next("message");
                assertThat(message).as("victim's message %d of %d (got %s)", received.size() + 1, expected.size(),
                        received).isNotNull();
                Envelope envelope = WsClient.envelopeOf(message);
                v.ack(message.get("delivery").asLong());
                // At-least-once: an ack sent right before the connection closed may not have reached the broker.
                if (!envelope.id().equals(policyAnswerId)) {
                    received.add(envelope);
                }
            }
            assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(policy(v, victim)).as("victim's policy").isEqualTo(policyBefore);
            assertThat(v.next("message", QUIET)).as("nothing else in the victim's inbox").isNull();
        }
    }

    /** The result of {@code policy.get}, asked over {@code client}; the next message must be its response. */
    static JsonNode policy(WsClient client, RelayKeyPair key) throws Exception {
        return Json.MAPPER.readTree(policyAnswer(client, key).body()).get("result");
    }

    private static Envelope policyAnswer(WsClient client, RelayKeyPair key) throws Exception {
        Envelope request = SystemRequest.envelope(key, SystemOp.POLICY_GET, Map.of());
        client.sendEnvelope("policy-get", request);
        assertThat(client.next("accepted")).as("policy.get accepted").isNotNull();
        JsonNode message = client.next("message");
        assertThat(message).as("policy.get response").isNotNull();
        Envelope response = WsClient.envelopeOf(message);
        client.ack(message.get("delivery").asLong());
        assertThat(response.kind()).isEqualTo(Kind.RESPONSE);
        assertThat(response.inReplyTo()).isEqualTo(request.id());
        return response;
    }

    @Override
    public void close() {
        sender.close();
    }
}
