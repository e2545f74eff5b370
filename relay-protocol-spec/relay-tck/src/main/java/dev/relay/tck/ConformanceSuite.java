package dev.relay.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.tck.RelayBinding.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
    void aKindThatIsNotAsciiTextIsMalformedNotAnUnknownKind() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            String signed = message(alice, bob, "kind").toJsonString();
            // SPEC §3.3: an unpaired surrogate (rule 2) and non-ASCII text (rule 7) are malformed before the kind rule.
            for (String kind : List.of("\\ud800", "mess\\u00e4ge", "mess\u00e4ge")) {
                byte[] payload = bytes(signed.replace("\"kind\":\"message\"", "\"kind\":\"" + kind + "\""));
                assertRefused(a, a.publishToInbox(id(bob), payload), "malformed");
            }
            assertThat(a.isConnected()).isTrue();
            assertOnlyControlArrives(a, alice, b, bob);
        }
    }

    @Test
    void anErrorEnvelopeForAParseStageRefusalNamesTheRefusedEnvelope() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            Envelope signed = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).expiresIn(3600L).body("which one?")
                    .sign(alice);
            String json = signed.toJsonString();
            String ttl = "\"expires_in\":3600";
            assertRefusedNaming(a, a.publishToInbox(id(bob), bytes(json.replace(ttl, "\"expires_in\":0"))),
                    "bad_ttl", signed.id());
            assertRefusedNaming(a, a.publishToInbox(id(bob), bytes(json.replace(ttl, ttl + ",\"admin\":true"))),
                    "malformed", signed.id());
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

            ask(b, bob, SystemOp.POLICY_SET, Map.of("mode", "allowlist", "allow", List.of(id(alice))));
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

    // ------------------------------------------------------------------ §4.5 and §13.3: several sessions of one identity

    @Test
    void aTransientSessionLeavesWhatWaitsToTheLastingSessionAndGetsWhatIsSentWhileItIsConnected() throws Exception {
        assumeTrue(binding().hasTransientSessions(), "the binding's transport has no transient sessions");
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        online(bob).close(); // bob's device has its lasting session, and is offline
        Envelope waiting = message(alice, bob, "waits for the device");
        Envelope live = message(alice, bob, "sent while the one-shot command runs");
        try (Client a = online(alice)) {
            assertAccepted(a.publishToInbox(id(bob), waiting.toJson()));
            try (Client oneShot = binding().connectTransient(bob, "cli")) {
                oneShot.subscribeOwnInbox();
                assertAccepted(a.publishToInbox(id(bob), live.toJson()));
                assertThat(Envelope.parse(arrival(oneShot)).id()).as("the one-shot session's first message")
                        .isEqualTo(live.id());
                assertThat(ask(oneShot, bob, SystemOp.RELAY_INFO, Map.of()).get("realm").asText())
                        .as("the one-shot session gets the answer to its own request").isEqualTo(binding().realm());
            }
        }
        try (Client device = online(bob)) {
            assertThat(Envelope.parse(arrival(device)).id()).as("what waited").isEqualTo(waiting.id());
            assertThat(Envelope.parse(arrival(device)).id()).as("what was sent meanwhile").isEqualTo(live.id());
        }
    }

    @Test
    void everyRefusalReachesTheSessionThatSentItWhateverAnotherSessionReads() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Client b = online(bob); Client sender = online(alice);
             Client reader = binding().connectAnotherSession(alice, "reader")) {
            reader.subscribeOwnInbox();
            ask(b, bob, SystemOp.POLICY_SET, Map.of("mode", "closed"));
            for (int i = 0; i < 4; i++) {
                assertRefused(sender, sender.publishToInbox(id(bob), message(alice, bob, "no " + i).toJson()),
                        "acl_denied");
            }
            assertRefused(sender, sender.publishToInbox(id(bob), message(carol, bob, "not alice").toJson()),
                    "sender_mismatch");
            assertRefused(sender, sender.publishToInbox(id(bob), "not an envelope".getBytes()), "malformed");
        }
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
