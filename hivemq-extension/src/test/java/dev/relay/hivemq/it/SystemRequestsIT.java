package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Json;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * System operations (SPEC §8.5) through a real broker: signed {@code request} envelopes to {@code relay/v1/sys}, answers
 * as {@code response}/{@code error} envelopes in the requester's inbox with {@code in_reply_to} = request id, signed
 * by the relay key. The relay key is pinned from the extension's key file, independently of {@code relay.info}.
 */
class SystemRequestsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static RelayHiveMQ broker;
    private static KeyId relayKey;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = RelayHiveMQ.start();
        relayKey = KeyFiles.load(broker.relayDataFolder().resolve("relay-key.json")).keyId();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void relayInfoNamesTheRealmAndTheKeyThatSignsIt() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        try (Clients.PahoV5 client = connected(alice)) {
            Envelope request = SystemRequest.envelope(alice, SystemOp.RELAY_INFO, Map.of());
            Envelope answer = send(client, request);
            JsonNode info = result(answer, SystemOp.RELAY_INFO);

            assertThat(info.path("realm").asText()).isEqualTo(broker.realm());
            assertThat(info.path("spec").asText()).isEqualTo("v1");
            String announced = info.path("relay_key").asText();
            assertThat(announced).as("relay_key = the key in the extension's key file").isEqualTo(relayKey.toString());
            // The answer verifies with the key it announces (a client trusting on first use does exactly this).
            Envelope.parse(answer.toJson()).verify(KeyId.parse(announced));
            assertThat(info.path("relay_did").asText()).isEqualTo(KeyId.parse(announced).didKey());
            List<String> kinds = new ArrayList<>();
            info.path("kinds").forEach(k -> kinds.add(k.asText()));
            assertThat(kinds).containsExactlyInAnyOrder("message", "receipt", "stream", "request", "response", "error");
            assertThat(info.path("max_body").asLong()).isEqualTo(131072);
            assertThat(info.path("max_envelope").asLong()).isEqualTo(262144);
            assertThat(info.path("default_ttl").asLong()).isEqualTo(604800);
            assertThat(info.path("max_ttl").asLong()).isEqualTo(2592000);
            assertThat(info.path("rate_limit_per_minute").asLong()).isEqualTo(30);
            assertThat(info.path("rate_limit_burst").asLong()).isEqualTo(30);
            assertThat(info.path("session_delivery").asText()).as("SPEC §4.5 on HiveMQ").isEqualTo("each");
            assertThat(info.path("default_policy").asText()).isEqualTo("blocklist");
        }
    }

    @Test
    void policyRoundTripAndOwnerOfAnotherKeyIsRefused() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        RelayKeyPair dave = RelayKeyPair.generate();
        String bobId = Clients.keyId(bob);
        String carolId = Clients.keyId(carol);
        String daveId = Clients.keyId(dave);
        try (Clients.PahoV5 aliceClient = connected(alice);
                Clients.PahoV5 bobClient = connected(bob);
                Clients.PahoV5 carolClient = connected(carol)) {
            assertPolicy(request(aliceClient, alice, SystemOp.POLICY_GET, Map.of()), SystemOp.POLICY_GET,
                    "blocklist", List.of(), List.of());

            assertPolicy(request(aliceClient, alice, SystemOp.POLICY_SET,
                            Map.of("mode", "allowlist", "allow", List.of(bobId), "owner", Clients.keyId(alice))),
                    SystemOp.POLICY_SET, "allowlist", List.of(bobId), List.of());

            assertPolicy(request(aliceClient, alice, SystemOp.POLICY_ADD,
                            Map.of("list", "block", "keys", List.of(daveId, carolId))),
                    SystemOp.POLICY_ADD, "allowlist", List.of(bobId), sorted(carolId, daveId));

            assertPolicy(request(aliceClient, alice, SystemOp.POLICY_REMOVE,
                            Map.of("list", "block", "keys", List.of(carolId))),
                    SystemOp.POLICY_REMOVE, "allowlist", List.of(bobId), List.of(daveId));

            // "owner" naming another key: not_owner, and neither alice's nor bob's policy changes.
            Envelope refused = request(aliceClient, alice, SystemOp.POLICY_SET, Map.of("mode", "open", "owner", bobId));
            assertErrorCode(refused, "not_owner");
            assertPolicy(request(aliceClient, alice, SystemOp.POLICY_GET, Map.of()), SystemOp.POLICY_GET,
                    "allowlist", List.of(bobId), List.of(daveId));
            assertPolicy(request(bobClient, bob, SystemOp.POLICY_GET, Map.of()), SystemOp.POLICY_GET,
                    "blocklist", List.of(), List.of());
            assertErrorCode(request(aliceClient, alice, SystemOp.POLICY_GET, Map.of("owner", bobId)), "not_owner");

            // The stored policy is the one enforced: bob (allowed) gets through, carol (not allowed) gets acl_denied.
            byte[] fromCarol = message(carol, alice, "carol is not on alice's allow list", null, null);
            Clients.PublishResult carolResult = carolClient.publishToInbox(Clients.keyId(alice), fromCarol);
            assertThat(carolResult.reasonCode()).as("%s", carolResult).isEqualTo(0x87);
            assertThat(carolResult.reasonString()).startsWith("acl_denied: ");
            byte[] fromBob = message(bob, alice, "bob is on alice's allow list", null, null);
            assertThat(bobClient.publishToInbox(Clients.keyId(alice), fromBob).reasonCode()).isEqualTo(0);
            assertThat(aliceClient.awaitPayload(WAIT)).as("alice's inbox: bob's message, nothing of carol's")
                    .isEqualTo(fromBob);
        }
    }

    @Test
    void profilesAndDiscoveryShowPublicCardsOnly() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        String aliceId = Clients.keyId(alice);
        String bobId = Clients.keyId(bob);
        String tag = "t" + HexFormat.of().formatHex(randomBytes(6));
        Map<String, Object> publicCard = new LinkedHashMap<>();
        publicCard.put("name", "Kitchen fan " + tag);
        publicCard.put("description", "Ceiling fan controller");
        publicCard.put("capabilities", List.of(Map.of("name", "fan.set_speed", "description", "Set speed 0-3",
                "tags", List.of("hvac"), "version", "1.0")));
        publicCard.put("tags", List.of("home", tag));
        publicCard.put("visibility", "public");
        Map<String, Object> privateCard = Map.of("name", "Secret diary " + tag, "tags", List.of(tag),
                "visibility", "private");

        try (Clients.PahoV5 aliceClient = connected(alice);
                Clients.PahoV5 bobClient = connected(bob);
                Clients.PahoV5 carolClient = connected(carol)) {
            Envelope aliceSet = SystemRequest.envelope(alice, SystemOp.PROFILE_SET, Map.of("card", publicCard));
            JsonNode aliceProfile = result(send(aliceClient, aliceSet), SystemOp.PROFILE_SET);
            assertThat(aliceProfile.path("key_id").asText()).isEqualTo(aliceId);
            assertThat(aliceProfile.path("card").path("name").asText()).isEqualTo("Kitchen fan " + tag);
            assertThat(aliceProfile.path("card").path("visibility").asText()).isEqualTo("public");
            assertCardEnvelope(aliceProfile, aliceSet);

            Envelope bobSet = SystemRequest.envelope(bob, SystemOp.PROFILE_SET, Map.of("card", privateCard));
            JsonNode bobProfile = result(send(bobClient, bobSet), SystemOp.PROFILE_SET);
            assertThat(bobProfile.path("card").path("visibility").asText()).isEqualTo("private");
            assertThat(bobProfile.path("card").path("description").asText()).as("default filled in").isEmpty();
            assertThat(bobProfile.path("card").path("capabilities").isArray()).isTrue();

            // profile.get: a public card is readable by anyone, with the signed card envelope.
            JsonNode seenByCarol = result(request(carolClient, carol, SystemOp.PROFILE_GET, Map.of("key_id", aliceId)),
                    SystemOp.PROFILE_GET);
            assertThat(seenByCarol.path("key_id").asText()).isEqualTo(aliceId);
            assertThat(seenByCarol.path("card")).isEqualTo(aliceProfile.path("card"));
            assertCardEnvelope(seenByCarol, aliceSet);
            assertThat(seenByCarol.path("presence").path("online").asBoolean()).isTrue();
            // A private card of another identity is reported exactly like a missing one.
            assertErrorCode(request(carolClient, carol, SystemOp.PROFILE_GET, Map.of("key_id", bobId)), "not_found");
            assertErrorCode(request(carolClient, carol, SystemOp.PROFILE_GET, Map.of()), "not_found");
            // The owner reads its own private card.
            JsonNode bobOwn = result(request(bobClient, bob, SystemOp.PROFILE_GET, Map.of()), SystemOp.PROFILE_GET);
            assertThat(bobOwn.path("card").path("name").asText()).isEqualTo("Secret diary " + tag);

            // discover: by tag (both cards carry it; only the public one is listed), case-insensitively.
            assertThat(discovered(carolClient, carol, Map.of("tag", tag))).containsExactly(aliceId);
            assertThat(discovered(carolClient, carol, Map.of("tag", tag.toUpperCase()))).containsExactly(aliceId);
            assertThat(discovered(carolClient, carol, Map.of("tag", "hvac", "capability", "FAN.SET_SPEED",
                    "text", tag))).containsExactly(aliceId);
            // discover: by text (case-insensitive substring of name/description/capabilities).
            assertThat(discovered(carolClient, carol, Map.of("text", "KITCHEN FAN " + tag.toUpperCase())))
                    .containsExactly(aliceId);
            assertThat(discovered(carolClient, carol, Map.of("text", "secret diary " + tag))).isEmpty();
            assertThat(discovered(bobClient, bob, Map.of("text", "secret diary " + tag)))
                    .as("discover lists public cards only, also for the owner").isEmpty();
        }
    }

    @Test
    void presenceOfAnIdentityWithAPublicCard() throws Exception {
        RelayKeyPair dan = RelayKeyPair.generate();   // has a public card
        RelayKeyPair frank = RelayKeyPair.generate(); // connected, no card: not visible to others
        RelayKeyPair eve = RelayKeyPair.generate();   // asks
        String danId = Clients.keyId(dan);
        String frankId = Clients.keyId(frank);
        String eveId = Clients.keyId(eve);
        long beforeConnect = System.currentTimeMillis();
        try (Clients.PahoV5 eveClient = connected(eve); Clients.PahoV5 frankClient = connected(frank)) {
            Clients.PahoV5 danClient = connected(dan);
            try {
                result(request(danClient, dan, SystemOp.PROFILE_SET,
                        Map.of("card", Map.of("name", "Dan's thermostat", "visibility", "public"))), SystemOp.PROFILE_SET);

                JsonNode online = awaitPresence(eveClient, eve, List.of(danId, frankId, eveId), danId, true);
                assertThat(online.path(danId).path("last_seen").asLong()).isBetween(beforeConnect,
                        System.currentTimeMillis());
                assertThat(online.has(frankId)).as("no public card: omitted, as if unknown").isFalse();
                assertThat(online.path(eveId).path("online").asBoolean()).as("own presence").isTrue();

                long beforeDisconnect = System.currentTimeMillis();
                danClient.disconnect();
                JsonNode offline = awaitPresence(eveClient, eve, List.of(danId), danId, false);
                assertThat(offline.path(danId).path("last_seen").isIntegralNumber()).isTrue();
                assertThat(offline.path(danId).path("last_seen").asLong()).as("last_seen = the disconnect")
                        .isBetween(beforeDisconnect, System.currentTimeMillis());
            } finally {
                danClient.close();
            }
        }
    }

    @Test
    void threadHistoryShowsEachIdentityOnlyItsOwnEnvelopes() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        RelayKeyPair stranger = RelayKeyPair.generate();
        try (Clients.PahoV5 aliceClient = connected(alice);
                Clients.PahoV5 bobClient = connected(bob);
                Clients.PahoV5 carolClient = connected(carol);
                Clients.PahoV5 strangerClient = connected(stranger)) {
            // Distinct, increasing timestamps so that "newest first" has one answer.
            long base = System.currentTimeMillis() - 60_000;
            // The first message of a thread uses its own id as thread_id (SPEC §7.1).
            String thread = MessageId.generate(base);
            Envelope m1 = Envelope.builder(Kind.MESSAGE).id(thread).ts(base).to(bob.keyId()).threadId(thread)
                    .body("m1 alice->bob").sign(alice);
            Envelope m2 = threaded(bob, alice, thread, base + 1000, "m2 bob->alice", m1.id());
            Envelope m3 = threaded(alice, bob, thread, base + 2000, "m3 alice->bob", m2.id());
            Envelope m4 = threaded(bob, alice, thread, base + 3000, "m4 bob->alice", m3.id());
            Envelope m5 = threaded(carol, alice, thread, base + 4000, "m5 carol->alice", null);
            publishAccepted(aliceClient, m1);
            publishAccepted(bobClient, m2);
            publishAccepted(aliceClient, m3);
            publishAccepted(bobClient, m4);
            publishAccepted(carolClient, m5);
            // Take the messages out of the inboxes first, so that only answers remain.
            assertThat(List.of(aliceClient.awaitPayload(WAIT), aliceClient.awaitPayload(WAIT),
                    aliceClient.awaitPayload(WAIT))).containsExactlyInAnyOrder(m2.toJson(), m4.toJson(), m5.toJson());
            assertThat(List.of(bobClient.awaitPayload(WAIT), bobClient.awaitPayload(WAIT)))
                    .containsExactly(m1.toJson(), m3.toJson());

            assertThat(history(bobClient, bob, thread)).as("bob's history: alice<->bob only, newest first")
                    .containsExactly(m4, m3, m2, m1);
            assertThat(history(carolClient, carol, thread)).as("carol's history: hers only")
                    .containsExactly(m5);
            assertThat(history(aliceClient, alice, thread)).as("alice is in every envelope")
                    .containsExactly(m5, m4, m3, m2, m1);
            assertThat(history(strangerClient, stranger, thread)).as("a non-participant").isEmpty();

            // Paging: bob, two at a time.
            JsonNode page1 = result(request(bobClient, bob, SystemOp.THREAD_HISTORY,
                    Map.of("thread_id", thread, "limit", 2)), SystemOp.THREAD_HISTORY);
            assertThat(envelopes(page1)).containsExactly(m4, m3);
            assertThat(page1.path("next").isTextual()).as("next cursor").isTrue();
            JsonNode page2 = result(request(bobClient, bob, SystemOp.THREAD_HISTORY,
                    Map.of("thread_id", thread, "limit", 2, "before", page1.path("next").asText())),
                    SystemOp.THREAD_HISTORY);
            assertThat(envelopes(page2)).containsExactly(m2, m1);
            assertThat(page2.path("next").isNull()).as("no more pages").isTrue();
        }
    }

    @Test
    void unknownOperationAndMalformedRequestsAreAnsweredWithErrorEnvelopes() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        try (Clients.PahoV5 client = connected(alice)) {
            assertErrorCode(send(client, rawRequest(alice, "{\"op\":\"relay.frobnicate\",\"args\":{}}")), "unknown_op");
            assertErrorCode(send(client, rawRequest(alice, "this is not JSON")), "malformed");
            assertErrorCode(send(client, rawRequest(alice, "{\"op\":\"relay.info\",\"args\":{},\"extra\":1}")),
                    "malformed");
            assertErrorCode(send(client, rawRequest(alice, "{\"op\":\"relay.info\",\"args\":[]}")), "malformed");
            assertErrorCode(request(client, alice, SystemOp.RELAY_INFO, Map.of("verbose", true)), "malformed");
            assertErrorCode(request(client, alice, SystemOp.POLICY_SET, Map.of("mode", "sometimes")), "malformed");

            // The connection stays up and a good request is still answered, and the bad ones changed nothing.
            assertThat(client.isConnected()).isTrue();
            assertPolicy(request(client, alice, SystemOp.POLICY_GET, Map.of()), SystemOp.POLICY_GET,
                    "blocklist", List.of(), List.of());
            assertThat(client.payloads()).as("exactly one answer per request").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Clients.PahoV5 connected(RelayKeyPair key) throws Exception {
        Clients.PahoV5 client = Clients.pahoV5(broker, key);
        assertThat(client.subscribeInbox()).as("SUBACK of the own inbox").containsExactly(1);
        return client;
    }

    private static Envelope request(Clients.PahoV5 client, RelayKeyPair key, SystemOp op, Map<String, ?> args)
            throws Exception {
        return send(client, SystemRequest.envelope(key, op, args));
    }

    private static Envelope rawRequest(RelayKeyPair key, String body) throws Exception {
        return Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).contentType(JsonBodies.CONTENT_TYPE)
                .body(body).sign(key);
    }

    /**
     * Publishes a request to the system address (PUBACK 0x00: operation failures are never transport refusals) and
     * returns the answer from the requester's inbox, checked: it answers this request, is for the requester and is
     * signed by the pinned relay key.
     */
    private static Envelope send(Clients.PahoV5 client, Envelope request) throws Exception {
        Clients.PublishResult published = client.publish(Addressing.MQTT_SYSTEM_TOPIC, request.toJson());
        assertThat(published.reasonCodes()).as("PUBACK of the request: %s", published).containsExactly(0);
        byte[] payload = client.awaitPayload(WAIT);
        assertThat(payload).as("answer to %s", request.id()).isNotNull();
        Envelope answer = Envelope.parse(payload);
        assertThat(answer.inReplyTo()).as("in_reply_to").isEqualTo(request.id());
        assertThat(answer.to()).isEqualTo(request.from());
        assertThat(answer.kind()).isIn(Kind.RESPONSE, Kind.ERROR);
        assertThat(answer.from()).as("signed by the relay key").isEqualTo(relayKey.toString());
        answer.verify(relayKey);
        assertThat(answer.contentType()).isEqualTo(JsonBodies.CONTENT_TYPE);
        return answer;
    }

    private static JsonNode body(Envelope answer) throws Exception {
        return Json.MAPPER.readTree(answer.body());
    }

    private static JsonNode result(Envelope answer, SystemOp op) throws Exception {
        JsonNode body = body(answer);
        assertThat(answer.kind()).as("answer kind, body %s", body).isEqualTo(Kind.RESPONSE);
        assertThat(body.path("op").asText()).isEqualTo(op.wireName());
        assertThat(body.path("result").isObject()).as("result object in %s", body).isTrue();
        return body.path("result");
    }

    private static void assertErrorCode(Envelope answer, String code) throws Exception {
        JsonNode body = body(answer);
        assertThat(answer.kind()).as("answer kind, body %s", body).isEqualTo(Kind.ERROR);
        assertThat(body.path("code").asText()).as("error code in %s", body).isEqualTo(code);
        assertThat(body.path("message").isTextual()).isTrue();
    }

    private static void assertPolicy(Envelope answer, SystemOp op, String mode, List<String> allow, List<String> block)
            throws Exception {
        JsonNode policy = result(answer, op);
        assertThat(policy.path("mode").asText()).isEqualTo(mode);
        assertThat(texts(policy.path("allow"))).as("allow").containsExactlyElementsOf(allow);
        assertThat(texts(policy.path("block"))).as("block").containsExactlyElementsOf(block);
    }

    private static List<String> sorted(String... values) {
        return java.util.Arrays.stream(values).sorted().toList();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    /** The card_envelope of a profile answer is the signed profile.set request, verifiable without the relay. */
    private static void assertCardEnvelope(JsonNode profile, Envelope setRequest) throws Exception {
        Envelope card = Envelope.parse(Json.MAPPER.writeValueAsBytes(profile.path("card_envelope")));
        assertThat(card.verify()).isEqualTo(setRequest.verify());
        assertThat(card).isEqualTo(setRequest);
        assertThat(card.from()).isEqualTo(profile.path("key_id").asText());
    }

    private static List<String> discovered(Clients.PahoV5 client, RelayKeyPair key, Map<String, ?> args)
            throws Exception {
        JsonNode found = result(request(client, key, SystemOp.DISCOVER, args), SystemOp.DISCOVER);
        List<String> keys = new ArrayList<>();
        found.path("results").forEach(r -> keys.add(r.path("key_id").asText()));
        return keys;
    }

    /** Asks presence.get until {@code watched} has the wanted online state (at most ~5 s); returns the map. */
    private static JsonNode awaitPresence(Clients.PahoV5 client, RelayKeyPair key, List<String> keyIds, String watched,
            boolean online) throws Exception {
        JsonNode presence = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            presence = result(request(client, key, SystemOp.PRESENCE_GET, Map.of("key_ids", keyIds)),
                    SystemOp.PRESENCE_GET).path("presence");
            if (presence.path(watched).path("online").isBoolean()
                    && presence.path(watched).path("online").asBoolean() == online) {
                return presence;
            }
            Thread.sleep(500);
        }
        assertThat(presence.path(watched).path("online").asBoolean()).as("presence of %s: %s", watched, presence)
                .isEqualTo(online);
        return presence;
    }

    private static Envelope threaded(RelayKeyPair from, RelayKeyPair to, String thread, long ts, String text,
            String inReplyTo) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).ts(ts).threadId(thread).inReplyTo(inReplyTo)
                .contentType("text/plain").body(text).sign(from);
    }

    private static byte[] message(RelayKeyPair from, RelayKeyPair to, String text, String thread, String inReplyTo)
            throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).threadId(thread).inReplyTo(inReplyTo).body(text)
                .sign(from).toJson();
    }

    private static void publishAccepted(Clients.PahoV5 client, Envelope envelope) {
        Clients.PublishResult result = client.publishToInbox(envelope.to(), envelope.toJson());
        assertThat(result.reasonCodes()).as("PUBACK of %s: %s", envelope.id(), result).containsExactly(0);
    }

    private static List<Envelope> history(Clients.PahoV5 client, RelayKeyPair key, String thread) throws Exception {
        JsonNode result = result(request(client, key, SystemOp.THREAD_HISTORY, Map.of("thread_id", thread)),
                SystemOp.THREAD_HISTORY);
        assertThat(result.path("next").isNull()).as("one page").isTrue();
        return envelopes(result);
    }

    /** The messages of a history page, each parsed strictly and verified against its own sender. */
    private static List<Envelope> envelopes(JsonNode page) throws Exception {
        List<Envelope> list = new ArrayList<>();
        for (JsonNode entry : page.path("messages")) {
            Envelope envelope = Envelope.parse(Json.MAPPER.writeValueAsBytes(entry));
            envelope.verify();
            list.add(envelope);
        }
        return list;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
