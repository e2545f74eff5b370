package dev.relay.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.tck.RelayBinding.Client;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit (SPEC §12): black-box checks every binding must pass through its real clients. A binding's
 * test extends this class and returns its {@link RelayBinding}. Each test uses fresh identities, so tests share one
 * broker and may run in any order.
 */
public abstract class ConformanceSuite extends BindingTestSupport {

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
        assertConnectRefused(alice, id(alice), password, "replay");
    }

    @Test
    void aTokenForAnotherRealmIsRefused() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        assertConnectRefused(alice, id(alice),
                ConnectToken.create(alice, binding().realm() + "-elsewhere", nowSeconds()).password(), "bad_signature");
    }

    @Test
    void aStaleTokenIsRefused() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        assertConnectRefused(alice, id(alice),
                ConnectToken.create(alice, binding().realm(), nowSeconds() - 3600).password(), "expired_token");
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
}
