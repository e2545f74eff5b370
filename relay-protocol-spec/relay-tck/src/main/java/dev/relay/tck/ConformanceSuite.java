package dev.relay.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.tck.RelayBinding.Client;
import dev.relay.tck.RelayBinding.Sent;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit (SPEC §12): black-box checks every binding must pass through its real clients. A binding's
 * test extends this class and returns its {@link RelayBinding}. Each test uses fresh identities, so tests share one
 * broker and may run in any order.
 */
public abstract class ConformanceSuite {
    /** How long a message may take to arrive; a refusal's absence is proved by a later control message instead. */
    protected static final Duration ARRIVAL = Duration.ofSeconds(10);

    /** The binding under test. */
    protected abstract RelayBinding binding();

    // ------------------------------------------------------------------ §3: envelopes end to end

    @Test
    void aSignedEnvelopeArrivesUnchangedAndVerifiesAsItsSender() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            Envelope sent = message(alice, bob, "hello bob");
            assertAccepted(a.publishToInbox(id(bob), sent.toJson()));

            Envelope received = Envelope.parse(arrival(b));
            assertThat(received.toJson()).isEqualTo(sent.toJson());
            assertThat(received.verify()).isEqualTo(alice.keyId());
        }
    }

    @Test
    void anEnvelopeSignedBySomeoneElseIsRefusedAndNeverDelivered() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory); Client b = online(bob)) {
            Envelope forged = message(alice, bob, "I am alice");
            assertRefused(m, m.publishToInbox(id(bob), forged.toJson()), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
            assertOnlyControlArrives(b, bob);
        }
    }

    @Test
    void anExpiredEnvelopeIsRefused() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            Envelope stale = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).ts(System.currentTimeMillis() - 7_200_000)
                    .expiresIn(3600L).body("too late").sign(alice);
            assertRefused(a, a.publishToInbox(id(bob), stale.toJson()), "expired");
            assertOnlyControlArrives(a, alice, b, bob);
        }
    }

    @Test
    void garbageIsRefusedAsMalformedAndTheClientStaysConnected() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            assertRefused(a, a.publishToInbox(id(bob), "not an envelope".getBytes()), "malformed");
            assertThat(a.isConnected()).isTrue();
            assertOnlyControlArrives(a, alice, b, bob);
        }
    }

    @Test
    void aDuplicateIsAcknowledgedAndDeliveredOnce() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            Envelope sent = message(alice, bob, "once");
            assertAccepted(a.publishToInbox(id(bob), sent.toJson()));
            assertAccepted(a.publishToInbox(id(bob), sent.toJson()));
            assertThat(Envelope.parse(arrival(b)).id()).isEqualTo(sent.id());
            assertOnlyControlArrives(a, alice, b, bob);
        }
    }

    // ------------------------------------------------------------------ §2: connect tokens

    @Test
    void aConnectTokenIsAcceptedOnce() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        String password = ConnectToken.create(alice, binding().realm(), nowSeconds()).password();
        binding().connect(alice, id(alice), password).close();
        assertThatThrownBy(() -> binding().connect(alice, id(alice), password).close())
                .isInstanceOf(RelayBinding.ConnectRefusedException.class);
    }

    @Test
    void aTokenForAnotherRealmIsRefused() {
        RelayKeyPair alice = RelayKeyPair.generate();
        assertThatThrownBy(() -> binding().connect(alice, id(alice),
                ConnectToken.create(alice, binding().realm() + "-elsewhere", nowSeconds()).password()).close())
                .isInstanceOf(RelayBinding.ConnectRefusedException.class);
    }

    @Test
    void aStaleTokenIsRefused() {
        RelayKeyPair alice = RelayKeyPair.generate();
        assertThatThrownBy(() -> binding().connect(alice, id(alice),
                ConnectToken.create(alice, binding().realm(), nowSeconds() - 3600).password()).close())
                .isInstanceOf(RelayBinding.ConnectRefusedException.class);
    }

    // ------------------------------------------------------------------ §4: inbox isolation

    @Test
    void nobodyReadsAnotherInbox() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob); Client m = online(mallory)) {
            assertThat(m.trySubscribeInboxOf(id(bob))).as("subscribing to bob's inbox").isFalse();
            Envelope sent = message(alice, bob, "for bob only");
            assertAccepted(a.publishToInbox(id(bob), sent.toJson()));
            assertThat(Envelope.parse(arrival(b)).id()).isEqualTo(sent.id());
            assertThat(m.receive(Duration.ofMillis(500))).as("mallory's inbox").isNull();
        }
    }

    // ------------------------------------------------------------------ §5 and §8: policies and system requests

    @Test
    void relayInfoIsAnsweredIntoTheInboxSignedByTheRelay() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        try (Client a = online(alice)) {
            JsonNode info = ask(a, alice, SystemOp.RELAY_INFO, Map.of());
            assertThat(info.get("realm").asText()).isEqualTo(binding().realm());
            assertThat(info.get("kinds")).isNotEmpty();
        }
    }

    @Test
    void aClosedInboxRefusesStrangersButTheOwnerDecides() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            assertThat(ask(b, bob, SystemOp.POLICY_SET, Map.of("mode", "closed")).get("mode").asText()).isEqualTo("closed");
            assertRefused(a, a.publishToInbox(id(bob), message(alice, bob, "let me in").toJson()), "acl_denied");

            ask(b, bob, SystemOp.POLICY_SET, Map.of("mode", "allowlist", "allow", java.util.List.of(id(alice))));
            Envelope admitted = message(alice, bob, "thanks");
            assertAccepted(a.publishToInbox(id(bob), admitted.toJson()));
            assertThat(Envelope.parse(arrival(b)).id()).as("only the admitted message").isEqualTo(admitted.id());
        }
    }

    // ------------------------------------------------------------------ §6: offline recipients

    @Test
    void aNeverConnectedRecipientGetsItsMessagesWhenItComesOnline() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair dave = RelayKeyPair.generate();
        Envelope first = message(alice, dave, "first");
        Envelope second = message(alice, dave, "second");
        try (Client a = online(alice)) {
            assertAccepted(a.publishToInbox(id(dave), first.toJson()));
            assertAccepted(a.publishToInbox(id(dave), second.toJson()));
        }
        try (Client d = online(dave)) {
            assertThat(Envelope.parse(arrival(d)).id()).isEqualTo(first.id());
            assertThat(Envelope.parse(arrival(d)).id()).isEqualTo(second.id());
        }
    }

    // ------------------------------------------------------------------ §3.5.2: receipts

    @Test
    void aReceiptReachesTheSenderAndProvesTheExactMessage() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            Envelope sent = message(alice, bob, "please confirm");
            assertAccepted(a.publishToInbox(id(bob), sent.toJson()));
            Envelope received = Envelope.parse(arrival(b));
            assertAccepted(b.publishToInbox(id(alice), Receipt.create(bob, received, "delivered").toJson()));

            Envelope receipt = Envelope.parse(arrival(a));
            assertThat(receipt.kind()).isEqualTo(Kind.RECEIPT);
            assertThat(receipt.verify()).isEqualTo(bob.keyId());
            assertThat(Receipt.parse(receipt).matches(sent)).isTrue();
        }
    }

    // ------------------------------------------------------------------ helpers for bindings' own tests too

    /** Connects and subscribes to the own inbox. */
    protected Client online(RelayKeyPair identity) throws Exception {
        Client client = binding().connect(identity);
        client.subscribeOwnInbox();
        return client;
    }

    protected static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws RelayException {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    protected static byte[] arrival(Client client) throws Exception {
        byte[] payload = client.receive(ARRIVAL);
        if (payload == null) {
            fail("nothing arrived within " + ARRIVAL);
        }
        return payload;
    }

    protected static void assertAccepted(Sent sent) {
        assertThat(sent.refused()).as("refused: %s", sent.reasonString()).isFalse();
    }

    /**
     * The publish was refused with {@code code}: in the transport's answer (reason string {@code "<code>: ..."}), or,
     * on transports without one (or with a negative acknowledgement that carries no text, like Artemis' MQTT 5
     * PUBACK), as an error envelope from the relay in the sender's inbox (SPEC §10.2).
     */
    protected static void assertRefused(Client sender, Sent sent, String code) throws Exception {
        if (sent.refused() && sent.reasonString() != null) {
            assertThat(sent.reasonString()).startsWith(code + ":");
            return;
        }
        Envelope error = Envelope.parse(arrival(sender));
        assertThat(error.kind()).as("expected an error envelope for %s", code).isEqualTo(Kind.ERROR);
        error.verify();
        assertThat(Json.readObject(error.body(), "error body").get("code").asText()).isEqualTo(code);
    }

    /** A control message from {@code controlSender} arrives, and nothing arrived before it. */
    protected static void assertOnlyControlArrives(Client controlClient, RelayKeyPair controlSender, Client recipient,
                                                   RelayKeyPair recipientKey) throws Exception {
        Envelope control = message(controlSender, recipientKey, "control");
        assertAccepted(controlClient.publishToInbox(id(recipientKey), control.toJson()));
        assertThat(Envelope.parse(arrival(recipient)).id()).as("the first message to arrive is the control")
                .isEqualTo(control.id());
    }

    /** As above, with a control message from a fresh identity. */
    protected void assertOnlyControlArrives(Client recipient, RelayKeyPair recipientKey) throws Exception {
        RelayKeyPair controller = RelayKeyPair.generate();
        try (Client c = online(controller)) {
            assertOnlyControlArrives(c, controller, recipient, recipientKey);
        }
    }

    /** Sends a system request and returns the result of its response (fails on an error answer). */
    protected static JsonNode ask(Client client, RelayKeyPair requester, SystemOp op, Map<String, ?> args) throws Exception {
        Envelope request = SystemRequest.envelope(requester, op, args);
        assertAccepted(client.publishRequest(request.toJson()));
        Envelope answer = Envelope.parse(arrival(client));
        assertThat(answer.inReplyTo()).isEqualTo(request.id());
        KeyId relayKey = answer.verify();
        assertThat(relayKey).isNotEqualTo(requester.keyId());
        JsonNode body = Json.readObject(answer.body(), "answer");
        assertThat(answer.kind()).as("answer: %s", body).isEqualTo(Kind.RESPONSE);
        return body.get("result");
    }

    protected static String id(RelayKeyPair key) {
        return key.keyId().toString();
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
