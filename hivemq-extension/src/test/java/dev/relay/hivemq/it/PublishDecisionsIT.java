package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * SPEC §3.7, §5 and §10 on a real HiveMQ with the deployed extension: what a publishing client sees (MQTT 5 PUBACK
 * reason code and reason string, MQTT 3.1.1 error envelope), and that a refused envelope never reaches anyone while
 * the connection stays up. Paho v5 unless said otherwise; every test uses fresh identities.
 *
 * <p>The class broker raises the rate limit (so the flood test's payloads are all examined, not cut off by §9);
 * the rate-limit test runs on its own broker with 5 sends per minute and a burst of 5 ({@link RateLimit}).
 *
 * <p>Absence is never asserted by waiting: after a refusal the same sender gets a control envelope admitted, and the
 * recipient must receive the control without the refused envelope before it (FIFO per sender).
 */
class PublishDecisionsIT {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static RelayHiveMQ broker;
    /** relay_key from relay.info: signs every response and error envelope. */
    private static String relayKey;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = RelayHiveMQ.builder()
                .property("relay.rate.sends-per-minute", "100000")
                .property("relay.rate.burst", "100000")
                .start();
        relayKey = relayInfoKey(broker);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    // ---- policies (SPEC §5) ---------------------------------------------------------------------------------------

    @Test
    void openPolicyAdmitsAStranger() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            JsonNode policy = setPolicy(bob, Map.of("mode", "open"));
            assertThat(policy.path("mode").asText()).isEqualTo("open");

            Envelope hello = message(alice, bob, "hello from a stranger");
            assertAccepted(alice.publishTo(bob, hello.toJson()));
            assertThat(bob.awaitEnvelope(e -> e.from().equals(alice.id()))).isEqualTo(hello);
        }
    }

    @Test
    void closedPolicyRefusesWithAclDeniedAndTheMessageNeverArrives() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            assertThat(setPolicy(bob, Map.of("mode", "closed")).path("mode").asText()).isEqualTo("closed");

            Envelope refused = message(alice, bob, "let me in");
            Clients.PublishResult result = alice.publishTo(bob, refused.toJson());
            assertRefused(result, 0x87, "acl_denied");
            assertThat(alice.client.isConnected()).as("alice stays connected after the refusal").isTrue();

            // Reopen, then the same sender's control is admitted: the refused envelope must not come before it.
            setPolicy(bob, Map.of("mode", "open"));
            assertControlArrivesWithout(alice, bob, refused);
        }
    }

    @Test
    void allowlistAdmitsOnlyTheListedKey() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker); Peer carol = Peer.v5(broker)) {
            JsonNode policy = setPolicy(bob, Map.of("mode", "allowlist", "allow", List.of(alice.id())));
            assertThat(policy.path("mode").asText()).isEqualTo("allowlist");
            assertThat(policy.path("allow")).extracting(JsonNode::asText).containsExactly(alice.id());

            Envelope fromAlice = message(alice, bob, "alice is listed");
            assertAccepted(alice.publishTo(bob, fromAlice.toJson()));
            assertThat(bob.awaitEnvelope(e -> e.from().equals(alice.id()))).isEqualTo(fromAlice);

            Envelope fromCarol = message(carol, bob, "carol is not listed");
            assertRefused(carol.publishTo(bob, fromCarol.toJson()), 0x87, "acl_denied");
            assertThat(carol.client.isConnected()).isTrue();

            setPolicy(bob, Map.of("allow", List.of(alice.id(), carol.id())));
            assertControlArrivesWithout(carol, bob, fromCarol);
        }
    }

    @Test
    void blocklistRefusesOnlyTheListedKey() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker); Peer carol = Peer.v5(broker)) {
            JsonNode policy = setPolicy(bob, Map.of("mode", "blocklist", "block", List.of(carol.id())));
            assertThat(policy.path("mode").asText()).isEqualTo("blocklist");
            assertThat(policy.path("block")).extracting(JsonNode::asText).containsExactly(carol.id());

            Envelope fromCarol = message(carol, bob, "carol is blocked");
            assertRefused(carol.publishTo(bob, fromCarol.toJson()), 0x87, "acl_denied");

            Envelope fromAlice = message(alice, bob, "alice is not blocked");
            assertAccepted(alice.publishTo(bob, fromAlice.toJson()));
            assertThat(bob.awaitEnvelope(e -> e.from().equals(alice.id()))).isEqualTo(fromAlice);

            setPolicy(bob, Map.of("block", List.of()));
            assertControlArrivesWithout(carol, bob, fromCarol);
        }
    }

    @Test
    void defaultPolicyIsAnEmptyBlocklistThatAdmitsStrangers() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            JsonNode policy = request(bob, SystemOp.POLICY_GET, Map.of());
            assertThat(policy.path("mode").asText()).isEqualTo("blocklist");
            assertThat(policy.path("allow").isArray() && policy.path("allow").isEmpty()).as("allow %s", policy).isTrue();
            assertThat(policy.path("block").isArray() && policy.path("block").isEmpty()).as("block %s", policy).isTrue();

            Envelope hello = message(alice, bob, "bob never set a policy");
            assertAccepted(alice.publishTo(bob, hello.toJson()));
            assertThat(bob.awaitEnvelope(e -> e.from().equals(alice.id()))).isEqualTo(hello);
        }
    }

    @Test
    void replyToAMessageTheRecipientSentIsAdmittedThroughAClosedInbox() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            setPolicy(bob, Map.of("mode", "closed"));

            Envelope question = message(bob, alice, "question from bob");
            assertAccepted(bob.publishTo(alice, question.toJson()));
            assertThat(alice.awaitEnvelope(e -> e.from().equals(bob.id()))).isEqualTo(question);

            // Without in_reply_to (or with one bob never sent to alice) the closed inbox refuses alice.
            Envelope unsolicited = message(alice, bob, "not a reply");
            assertRefused(alice.publishTo(bob, unsolicited.toJson()), 0x87, "acl_denied");
            Envelope fakeReply = Envelope.builder(Kind.MESSAGE).to(bob.id()).inReplyTo(message(bob, alice, "x").id())
                    .body("reply to a message bob never sent").sign(alice.key);
            assertRefused(alice.publishTo(bob, fakeReply.toJson()), 0x87, "acl_denied");

            Envelope reply = Envelope.builder(Kind.MESSAGE).to(bob.id()).inReplyTo(question.id())
                    .body("answer from alice").sign(alice.key);
            assertAccepted(alice.publishTo(bob, reply.toJson()));
            List<Envelope> before = new ArrayList<>();
            Envelope got = bob.awaitEnvelope(e -> e.from().equals(alice.id()), before);
            assertThat(got).as("the reply, first envelope from alice in bob's inbox").isEqualTo(reply);
        }
    }

    // ---- envelope checks (SPEC §3.7) -----------------------------------------------------------------------------

    @Test
    void envelopeSignedByAnotherKeyIsSenderMismatch() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            RelayKeyPair carol = RelayKeyPair.generate();
            Envelope carols = Envelope.builder(Kind.MESSAGE).to(bob.id()).body("signed by carol").sign(carol);
            assertRefused(alice.publishTo(bob, carols.toJson()), 0x87, "sender_mismatch");
            assertControlArrivesWithout(alice, bob, carols);
        }
    }

    @Test
    void tamperedBodyIsBadSignature() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            Envelope original = message(alice, bob, "turn the fan on");
            String json = new String(original.toJson(), StandardCharsets.UTF_8);
            String encodedOn = base64url("turn the fan on");
            assertThat(json).contains("\"body\":\"" + encodedOn + "\"");
            byte[] tampered = json.replace(encodedOn, base64url("turn the fan off")).getBytes(StandardCharsets.UTF_8);

            assertRefused(alice.publishTo(bob, tampered), 0x99, "bad_signature");
            assertControlArrivesWithout(alice, bob, original);
        }
    }

    @Test
    void notJsonIsMalformed() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            byte[] garbage = "this is not JSON {".getBytes(StandardCharsets.UTF_8);
            assertRefused(alice.publishTo(bob, garbage), 0x99, "malformed");
            assertControlArrivesWithoutPayload(alice, bob, garbage);
        }
    }

    @Test
    void envelopeForAnotherRecipientIsRecipientMismatch() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker); Peer carol = Peer.v5(broker)) {
            Envelope forCarol = message(alice, carol, "meant for carol");
            assertRefused(alice.publishTo(bob, forCarol.toJson()), 0x99, "recipient_mismatch");
            assertControlArrivesWithout(alice, bob, forCarol);
            // Nor did it reach carol, whose id it names.
            assertControlArrivesWithout(alice, carol, forCarol);
        }
    }

    @Test
    void payloadOverTheEnvelopeLimitIsTooLargeAndTheLimitItselfIsAccepted() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            // A valid envelope padded with trailing whitespace (allowed by §3.3 rule 2): only the size decides.
            Envelope atLimit = message(alice, bob, "exactly 262144 bytes");
            byte[] atLimitPayload = padTo(atLimit.toJson(), Envelope.MAX_ENVELOPE_BYTES);
            Envelope overLimit = message(alice, bob, "one byte too many");
            byte[] overLimitPayload = padTo(overLimit.toJson(), Envelope.MAX_ENVELOPE_BYTES + 1);

            assertRefused(alice.publishTo(bob, overLimitPayload), 0x99, "too_large");
            assertThat(alice.client.isConnected()).isTrue();

            assertAccepted(alice.publishTo(bob, atLimitPayload));
            List<Envelope> before = new ArrayList<>();
            Envelope got = bob.awaitEnvelope(e -> e.from().equals(alice.id()), before);
            assertThat(got).as("the 262144-byte envelope, first from alice").isEqualTo(atLimit);
            assertControlArrivesWithout(alice, bob, overLimit);
        }
    }

    @Test
    void envelopeExpiredBeforePublishIsExpired() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            Envelope stale = Envelope.builder(Kind.MESSAGE).to(bob.id())
                    .ts(System.currentTimeMillis() - Duration.ofHours(2).toMillis()).expiresIn(3600L)
                    .body("two hours old, lived one").sign(alice.key);
            assertRefused(alice.publishTo(bob, stale.toJson()), 0x83, "expired");
            assertControlArrivesWithout(alice, bob, stale);
        }
    }

    @Test
    void clientSentErrorEnvelopeIsForbidden() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            Envelope fakeError = Envelope.builder(Kind.ERROR).to(bob.id()).contentType("application/json")
                    .body("{\"code\":\"internal\",\"message\":\"fake\"}").sign(alice.key);
            assertRefused(alice.publishTo(bob, fakeError.toJson()), 0x87, "forbidden");
            assertControlArrivesWithout(alice, bob, fakeError);
        }
    }

    // ---- duplicates (SPEC §10.8) ---------------------------------------------------------------------------------

    @Test
    void sameEnvelopeTwiceIsAcknowledgedTwiceAndDeliveredOnce() throws Exception {
        try (Peer bob = Peer.v5(broker); Peer alice = Peer.v5(broker)) {
            Envelope once = message(alice, bob, "only once please");
            assertAccepted(alice.publishTo(bob, once.toJson()));
            assertAccepted(alice.publishTo(bob, once.toJson()));

            Envelope control = message(alice, bob, "control after the duplicate");
            assertAccepted(alice.publishTo(bob, control.toJson()));
            List<Envelope> fromAlice = new ArrayList<>();
            while (true) {
                Envelope next = bob.awaitEnvelope(e -> e.from().equals(alice.id()));
                fromAlice.add(next);
                if (next.equals(control)) {
                    break;
                }
            }
            assertThat(fromAlice).as("alice's envelopes in bob's inbox").containsExactly(once, control);
        }
    }

    // ---- MQTT 3.1.1 (SPEC §10.3) ---------------------------------------------------------------------------------

    @Test
    void mqtt311RefusalKeepsTheConnectionAndSendsAnErrorEnvelope() throws Exception {
        RelayKeyPair bobKey = RelayKeyPair.generate();
        try (Peer carol = Peer.v5(broker); Clients.PahoV3 bob = Clients.pahoV3(broker, bobKey)) {
            assertThat(bob.subscribeInbox()).containsExactly(1);
            Peer bobPeer = new Peer(bobKey, bob);
            String relayKeyAsSeenByV3 = request(bobPeer, SystemOp.RELAY_INFO, Map.of()).path("relay_key").asText();
            assertThat(relayKeyAsSeenByV3).isEqualTo(relayKey);

            setPolicy(carol, Map.of("mode", "closed"));
            Envelope refused = message(bobPeer, carol, "carol's inbox is closed");
            Clients.PublishResult result = bob.publishToInbox(carol.id(), refused.toJson());
            assertThat(result.acknowledged()).as("MQTT 3.1.1 PUBACK for the refused publish: %s", result).isTrue();

            Envelope error = bobPeer.awaitEnvelope(e -> e.kind() == Kind.ERROR);
            assertThat(error.from()).as("error signer").isEqualTo(relayKey);
            assertThat(error.verify().toString()).isEqualTo(relayKey);
            assertThat(error.to()).isEqualTo(bobPeer.id());
            assertThat(error.inReplyTo()).as("in_reply_to of the error").isEqualTo(refused.id());
            JsonNode body = Json.MAPPER.readTree(error.body());
            assertThat(body.path("code").asText()).as("error body %s", body).isEqualTo("acl_denied");

            assertThat(bob.isConnected()).as("bob (MQTT 3.1.1) still connected").isTrue();
            assertThat(bob.connectionLost()).as("connection losses").isEmpty();

            setPolicy(carol, Map.of("mode", "open"));
            assertControlArrivesWithout(bobPeer, carol, refused);
            assertThat(bob.connectionLost()).isEmpty();
        }
    }

    // ---- the broker keeps serving ------------------------------------------------------------------------------

    @Test
    void floodOfMalformedPayloadsDoesNotDisturbOtherClients() throws Exception {
        int exchangeRounds = 20;
        int minimumFlood = 200;
        try (Peer flooder = Peer.v5(broker); Peer victim = Peer.v5(broker);
                Peer x = Peer.v5(broker); Peer y = Peer.v5(broker)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            CountDownLatch floodStarted = new CountDownLatch(20);
            AtomicBoolean exchangeDone = new AtomicBoolean();
            AtomicInteger pahoRetries = new AtomicInteger();
            List<Clients.PublishResult> floodResults = new ArrayList<>();
            try {
                Future<?> flood = pool.submit(() -> {
                    int i = 0;
                    // At least 200, and on until the exchange is over, so the two overlap by construction.
                    while (i < minimumFlood || !exchangeDone.get()) {
                        byte[] junk = ("{\"v\":1,\"junk\":" + i + ",").getBytes(StandardCharsets.UTF_8);
                        Clients.PublishResult result = flooder.publishTo(victim, junk);
                        while (pahoInFlightRace(result)) {
                            // Paho 1.2.5 wakes waitForCompletion before its callback thread frees the in-flight
                            // slot; in a tight loop it then refuses locally (32202) without sending. Send again.
                            pahoRetries.incrementAndGet();
                            Thread.sleep(1);
                            result = flooder.publishTo(victim, junk);
                        }
                        floodResults.add(result);
                        floodStarted.countDown();
                        i++;
                        if (i > 20_000) {
                            break;
                        }
                    }
                    return null;
                });
                assertThat(floodStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("flood started").isTrue();

                for (int round = 0; round < exchangeRounds; round++) {
                    Envelope toY = message(x, y, "x->y " + round);
                    assertAccepted(x.publishTo(y, toY.toJson()));
                    assertThat(y.awaitEnvelope(e -> e.from().equals(x.id()))).isEqualTo(toY);
                    Envelope toX = message(y, x, "y->x " + round);
                    assertAccepted(y.publishTo(x, toX.toJson()));
                    assertThat(x.awaitEnvelope(e -> e.from().equals(y.id()))).isEqualTo(toX);
                }
                exchangeDone.set(true);
                flood.get(60, TimeUnit.SECONDS);
            } finally {
                exchangeDone.set(true);
                pool.shutdownNow();
            }
            assertThat(floodResults).hasSizeGreaterThanOrEqualTo(minimumFlood);
            assertThat(floodResults).allSatisfy(r -> {
                assertThat(r.reasonCode()).as("%s", r).isEqualTo(0x99);
                assertThat(r.reasonString()).as("%s", r).startsWith("malformed");
            });
            assertThat(flooder.client.isConnected()).as("the flooder is still connected").isTrue();
            // Nothing of the flood reached the victim: its first envelope from the flooder is the control.
            Envelope control = message(flooder, victim, "control after the flood");
            assertAccepted(flooder.publishTo(victim, control.toJson()));
            assertThat(victim.client.awaitPayload(WAIT)).as("victim's first payload").isEqualTo(control.toJson());
            System.out.println("flood: " + floodResults.size() + " malformed publishes during " + exchangeRounds
                    + " round trips (" + pahoRetries.get() + " local Paho in-flight refusals re-sent)");
        }
    }

    // ---- rate limit (SPEC §9), on its own broker ---------------------------------------------------------------

    @Nested
    class RateLimit {
        private static RelayHiveMQ limited;

        @BeforeAll
        static void startLimitedBroker() {
            limited = RelayHiveMQ.builder()
                    .property("relay.rate.sends-per-minute", "5")
                    .property("relay.rate.burst", "5")
                    .start();
        }

        @AfterAll
        static void stopLimitedBroker() {
            if (limited != null) {
                limited.close();
            }
        }

        @Test
        void sixthPublishWithinAMinuteIsQuotaExceededAndOtherIdentitiesAreUnaffected() throws Exception {
            try (Peer bob = Peer.v5(limited); Peer alice = Peer.v5(limited); Peer dave = Peer.v5(limited)) {
                List<Envelope> admitted = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    Envelope e = message(alice, bob, "send " + i);
                    assertAccepted(alice.publishTo(bob, e.toJson()));
                    admitted.add(e);
                }
                Envelope sixth = message(alice, bob, "send 6");
                Clients.PublishResult result = alice.publishTo(bob, sixth.toJson());
                assertRefused(result, 0x97, "rate_limited");
                assertThat(result.reasonString()).as("reason string").matches("rate_limited: retry_after=[1-9][0-9]*.*");
                int retryAfter = Integer.parseInt(result.reasonString().replaceAll("^rate_limited: retry_after=(\\d+).*$", "$1"));
                assertThat(retryAfter).as("retry_after at 5/min").isBetween(1, 12);
                assertThat(alice.client.isConnected()).isTrue();

                // Another identity has its own bucket.
                Envelope fromDave = message(dave, bob, "dave is not limited");
                assertAccepted(dave.publishTo(bob, fromDave.toJson()));
                assertThat(bob.awaitEnvelope(e -> e.from().equals(dave.id()))).isEqualTo(fromDave);

                // bob got alice's five, and not the sixth (it would have come after them).
                List<Envelope> fromAlice = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    fromAlice.add(bob.awaitEnvelope(e -> e.from().equals(alice.id())));
                }
                assertThat(fromAlice).containsExactlyElementsOf(admitted);
                assertThat(bob.received).noneMatch(e -> e.id().equals(sixth.id()));
            }
        }

        /** SPEC §9: a flood over MQTT 3.1.1 gets one rate_limited error envelope per retry window, not one per publish. */
        @Test
        void anMqtt311FloodGetsOneRateLimitedErrorEnvelopePerRetryWindow() throws Exception {
            RelayKeyPair alice = RelayKeyPair.generate();
            RelayKeyPair bob = RelayKeyPair.generate();
            try (Clients.PahoV3 client = Clients.pahoV3(limited, alice)) {
                assertThat(client.subscribeInbox()).containsExactly(1);
                for (int i = 1; i <= 10; i++) {
                    byte[] payload = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).contentType("text/plain")
                            .body("send " + i).sign(alice).toJson();
                    assertThat(client.publish(Clients.inbox(bob), payload).acknowledged()).as("publish %d", i).isTrue();
                }
                Envelope error = Envelope.parse(client.awaitPayload(Duration.ofSeconds(10)));
                assertThat(error.kind()).isEqualTo(Kind.ERROR);
                JsonNode body = Json.readObject(error.body(), "error");
                assertThat(body.get("code").asText()).isEqualTo("rate_limited");
                assertThat(body.get("retry_after").asLong()).isBetween(1L, 12L);
                assertThat(client.awaitPayload(Duration.ofSeconds(2))).as("a second error envelope in the window").isNull();
                assertThat(client.isConnected()).isTrue();
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** An identity with a connected client subscribed to its own inbox; collects the envelopes it receives. */
    static final class Peer implements AutoCloseable {
        final RelayKeyPair key;
        final Clients.RelayClient client;
        /** Every envelope taken from the client's queue so far, in arrival order. */
        final List<Envelope> received = new ArrayList<>();
        private final List<Envelope> unclaimed = new ArrayList<>();

        Peer(RelayKeyPair key, Clients.RelayClient client) {
            this.key = key;
            this.client = client;
        }

        static Peer v5(RelayHiveMQ broker) throws Exception {
            RelayKeyPair key = RelayKeyPair.generate();
            Clients.PahoV5 client = Clients.pahoV5(broker, key);
            assertThat(client.subscribeInbox()).as("SUBACK of the own inbox").containsExactly(1);
            return new Peer(key, client);
        }

        String id() {
            return key.keyId().toString();
        }

        Clients.PublishResult publishTo(Peer recipient, byte[] payload) {
            return client.publishToInbox(recipient.id(), payload);
        }

        Envelope awaitEnvelope(Predicate<Envelope> wanted) throws Exception {
            return awaitEnvelope(wanted, new ArrayList<>());
        }

        /**
         * The first received envelope matching {@code wanted} (also one received earlier and not yet claimed);
         * {@code skipped} gets the non-matching ones that arrived before it, which stay available to later calls.
         */
        Envelope awaitEnvelope(Predicate<Envelope> wanted, List<Envelope> skipped) throws Exception {
            for (int i = 0; i < unclaimed.size(); i++) {
                if (wanted.test(unclaimed.get(i))) {
                    return unclaimed.remove(i);
                }
                skipped.add(unclaimed.get(i));
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                byte[] payload = left <= 0 ? null : client.payloads().poll(left, TimeUnit.NANOSECONDS);
                assertThat(payload).as("an expected envelope in the inbox of %s (skipped %s)", id(), skipped)
                        .isNotNull();
                Envelope envelope = Envelope.parse(payload);
                assertThat(envelope.to()).as("to of an envelope in %s's inbox", id()).isEqualTo(id());
                envelope.verify();
                received.add(envelope);
                if (wanted.test(envelope)) {
                    return envelope;
                }
                skipped.add(envelope);
                unclaimed.add(envelope);
            }
        }

        @Override
        public void close() {
            client.close();
        }
    }

    static Envelope message(Peer from, Peer to, String text) throws RelayException {
        return Envelope.builder(Kind.MESSAGE).to(to.id()).contentType("text/plain").body(text).sign(from.key);
    }

    /** Sends a request from {@code requester}, returns the {@code result} of its response (signed by the relay). */
    static JsonNode request(Peer requester, SystemOp op, Map<String, ?> args) throws Exception {
        Envelope request = SystemRequest.envelope(requester.key, op, args);
        Clients.PublishResult published = requester.client.publish(Addressing.MQTT_SYSTEM_TOPIC, request.toJson());
        assertThat(published.accepted()).as("%s request publish: %s", op, published).isTrue();
        Envelope answer = requester.awaitEnvelope(e -> request.id().equals(e.inReplyTo()));
        assertThat(answer.kind()).as("answer to %s: %s", op, answer).isEqualTo(Kind.RESPONSE);
        assertThat(answer.verify().toString()).as("signer of the %s response", op).isEqualTo(answer.from());
        if (relayKey != null) {
            assertThat(answer.from()).as("the %s response is signed by the relay key", op).isEqualTo(relayKey);
        }
        JsonNode body = Json.MAPPER.readTree(answer.body());
        assertThat(body.path("op").asText()).isEqualTo(op.wireName());
        return body.path("result");
    }

    static JsonNode setPolicy(Peer owner, Map<String, ?> args) throws Exception {
        return request(owner, SystemOp.POLICY_SET, new LinkedHashMap<>(args));
    }

    /** relay.info through a throwaway identity. */
    static String relayInfoKey(RelayHiveMQ broker) throws Exception {
        try (Peer asker = Peer.v5(broker)) {
            JsonNode info = request(asker, SystemOp.RELAY_INFO, Map.of());
            String key = info.path("relay_key").asText();
            assertThat(key).hasSize(43);
            return key;
        }
    }

    static void assertAccepted(Clients.PublishResult result) {
        assertThat(result.acknowledged()).as("acknowledged: %s", result).isTrue();
        assertThat(result.reasonCode()).as("PUBACK reason code: %s", result).isEqualTo(0x00);
    }

    static void assertRefused(Clients.PublishResult result, int reasonCode, String code) {
        assertThat(result.acknowledged()).as("a PUBACK arrived: %s", result).isTrue();
        assertThat(result.reasonCode()).as("PUBACK reason code: %s", result).isEqualTo(reasonCode);
        assertThat(result.reasonString()).as("PUBACK reason string: %s", result).startsWith(code + ":");
    }

    /**
     * {@code sender} gets a control envelope admitted into {@code recipient}'s inbox; the refused envelope must not
     * have reached the recipient before the control did (inbox order is FIFO per sender).
     */
    static void assertControlArrivesWithout(Peer sender, Peer recipient, Envelope refused) throws Exception {
        Envelope control = message(sender, recipient, "control " + System.nanoTime());
        assertAccepted(sender.publishTo(recipient, control.toJson()));
        List<Envelope> before = new ArrayList<>();
        assertThat(recipient.awaitEnvelope(e -> e.id().equals(control.id()), before)).isEqualTo(control);
        assertThat(before).as("what reached %s before the control", recipient.id())
                .noneMatch(e -> e.id().equals(refused.id()));
        assertThat(recipient.received).noneMatch(e -> e.id().equals(refused.id()));
    }

    /** Like {@link #assertControlArrivesWithout} for a payload that is not an envelope. */
    static void assertControlArrivesWithoutPayload(Peer sender, Peer recipient, byte[] refused) throws Exception {
        Envelope control = message(sender, recipient, "control " + System.nanoTime());
        assertAccepted(sender.publishTo(recipient, control.toJson()));
        byte[] first = recipient.client.awaitPayload(WAIT);
        assertThat(first).as("first payload in the inbox").isNotNull().isNotEqualTo(refused).isEqualTo(control.toJson());
    }

    /** Paho refused the publish locally with 32202 (too many publishes in progress): nothing was sent. */
    static boolean pahoInFlightRace(Clients.PublishResult result) {
        return !result.acknowledged() && result.error() instanceof org.eclipse.paho.mqttv5.common.MqttException e
                && e.getReasonCode() == org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT;
    }

    static String base64url(String text) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] padTo(byte[] json, int size) {
        assertThat(json.length).isLessThan(size);
        byte[] padded = Arrays.copyOf(json, size);
        Arrays.fill(padded, json.length, size, (byte) ' ');
        return padded;
    }
}
