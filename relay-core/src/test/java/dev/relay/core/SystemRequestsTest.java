package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.store.AuditRecord;
import dev.relay.store.PolicyRecord;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.store.RelayStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** SPEC §8.5: every system operation, its result and its refusals. */
class SystemRequestsTest extends EngineTestSupport {

    private static List<String> keyIds(int count) {
        return IntStream.range(0, count).mapToObj(i -> id(RelayKeyPair.generate())).toList();
    }

    private static Map<String, Object> args(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private Envelope rawRequest(RelayKeyPair requester, String body) {
        return sign(Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).ts(now())
                .contentType(JsonBodies.CONTENT_TYPE).body(body), requester);
    }

    // ------------------------------------------------------------ framing

    @Test
    void relayInfoDescribesTheRelay() {
        JsonNode info = result(alice, SystemOp.RELAY_INFO, Map.of());
        assertThat(info.get("realm").asText()).isEqualTo(REALM);
        assertThat(info.get("relay_key").asText()).isEqualTo(engine.relayKeyId().toString());
        assertThat(texts(info.get("kinds")))
                .containsExactly("message", "receipt", "stream", "request", "response", "error");
        assertThat(info.get("max_body").asLong()).isEqualTo(131_072);
        assertThat(info.get("max_ttl").asLong()).isEqualTo(2_592_000);
        assertThat(info.get("rate_limit_per_minute").asInt()).isEqualTo(config().sendsPerMinute());
        assertThat(info.get("session_delivery").asText()).as("default: one inbox queue (Artemis)").isEqualTo("compete");
    }

    @Test
    void relayInfoSaysHowSessionsOfOneIdentityShareTheInbox() {
        engine.useBrokerSessions(new BrokerSessions() {
            @Override
            public Readers readers(dev.relay.protocol.KeyId recipient, String passingPublisher) {
                return Readers.HELD;
            }

            @Override
            public boolean sessionsCompete() {
                return false;
            }
        });
        assertThat(result(alice, SystemOp.RELAY_INFO, Map.of()).get("session_delivery").asText()).isEqualTo("each");
    }

    @Test
    void relayInfoAnnouncesOperatorSettings() {
        engine = engineWith(RelayConfig.defaults(REALM, dataDir).withRate(45, 50));
        JsonNode info = result(alice, SystemOp.RELAY_INFO, Map.of());
        assertThat(info.get("rate_limit_per_minute").asInt()).isEqualTo(45);
    }

    @Test
    void requestMadeWithTheProtocolHelperIsAnswered() throws Exception {
        Envelope request = SystemRequest.envelope(alice, SystemOp.RELAY_INFO, Map.of());
        Envelope answer = ask(alice, request);
        assertThat(answer.kind()).isEqualTo(Kind.RESPONSE);
        assertThat(answer.verify()).isEqualTo(engine.relayKeyId());
        assertThat(body(answer).get("op").asText()).isEqualTo("relay.info");
    }

    @Test
    void requestsAreRecordedForDeduplicationButNotAuditedAsMessages() {
        Envelope request = request(alice, SystemOp.RELAY_INFO, Map.of());
        Envelope answer = ask(alice, request);
        assertThat(store.message(id(alice), request.id())).get()
                .satisfies(record -> assertThat(record.recipient()).isEqualTo("sys"));
        assertThat(store.message(answer.from(), answer.id())).isEmpty();
        assertThat(audit("message.sent")).isEmpty();
    }

    @Test
    void unknownArgumentIsMalformed() {
        assertThat(errorCode(alice, SystemOp.RELAY_INFO, Map.of("verbose", true))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.POLICY_GET, Map.of("mode", "open"))).isEqualTo("malformed");
    }

    @Test
    void unknownOpIsUnknownOp() {
        Envelope request = rawRequest(alice, "{\"op\":\"relay.reboot\",\"args\":{}}");
        assertThat(errorCode(alice, request)).isEqualTo("unknown_op");
    }

    @Test
    void bodyThatIsNotARequestIsMalformed() {
        assertThat(errorCode(alice, rawRequest(alice, "not json"))).isEqualTo("malformed");
        assertThat(errorCode(alice, rawRequest(alice, "{\"args\":{}}"))).isEqualTo("malformed");
        assertThat(errorCode(alice, rawRequest(alice, "{\"op\":\"relay.info\",\"args\":[]}"))).isEqualTo("malformed");
        assertThat(errorCode(alice, rawRequest(alice, "{\"op\":\"relay.info\",\"args\":{},\"x\":1}")))
                .isEqualTo("malformed");
    }

    @Test
    void requestFromAnotherKeyIsRefusedAtTransportLevel() {
        Envelope carols = request(carol, SystemOp.POLICY_SET, Map.of("mode", "closed"));
        PublishOutcome outcome = engine.onPublish(alice.keyId(), LASTING, systemAddress(), carols.toJson());
        assertThat(refusal(outcome)).isEqualTo(dev.relay.protocol.ErrorCode.SENDER_MISMATCH);
        assertThat(store.policy(id(carol))).isEmpty();
    }

    // ------------------------------------------------------------ policy

    @Test
    void policyGetGivesTheDefault() {
        JsonNode policy = result(alice, SystemOp.POLICY_GET, Map.of());
        assertThat(policy.get("mode").asText()).isEqualTo("blocklist");
        assertThat(policy.get("allow")).isEmpty();
        assertThat(policy.get("block")).isEmpty();
        assertThat(result(alice, SystemOp.POLICY_GET, Map.of("owner", id(alice))).get("mode").asText())
                .isEqualTo("blocklist");
    }

    @Test
    void policySetIsStoredReturnedAndAudited() {
        JsonNode set = result(alice, SystemOp.POLICY_SET,
                Map.of("mode", "allowlist", "allow", List.of(id(bob), id(carol))));
        assertThat(set.get("mode").asText()).isEqualTo("allowlist");
        assertThat(texts(set.get("allow"))).containsExactlyInAnyOrder(id(bob), id(carol));

        JsonNode got = result(alice, SystemOp.POLICY_GET, Map.of());
        assertThat(got).isEqualTo(set);
        PolicyRecord stored = store.policy(id(alice)).orElseThrow();
        assertThat(stored.mode()).isEqualTo("allowlist");
        assertThat(stored.allow()).containsExactlyInAnyOrder(id(bob), id(carol));
        assertThat(audit("policy.set")).singleElement().satisfies(r -> {
            assertThat(r.actor()).isEqualTo(id(alice));
            assertThat(r.subject()).isEqualTo(id(alice));
        });

        JsonNode partial = result(alice, SystemOp.POLICY_SET, Map.of("block", List.of(id(dave))));
        assertThat(partial.get("mode").asText()).as("absent members unchanged").isEqualTo("allowlist");
        assertThat(texts(partial.get("allow"))).containsExactlyInAnyOrder(id(bob), id(carol));
        assertThat(texts(partial.get("block"))).containsExactly(id(dave));
        assertThat(store.policy(id(bob))).as("only the requester's policy").isEmpty();
    }

    @Test
    void policySetForAnotherOwnerIsNotOwnerAndChangesNothing() {
        result(alice, SystemOp.POLICY_SET, Map.of("mode", "allowlist", "allow", List.of(id(carol))));
        int audits = audit().size();

        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("owner", id(bob), "mode", "closed")))
                .isEqualTo("not_owner");
        assertThat(errorCode(alice, SystemOp.POLICY_ADD, Map.of("owner", id(bob), "list", "allow",
                "keys", List.of(id(alice))))).isEqualTo("not_owner");
        assertThat(errorCode(alice, SystemOp.POLICY_GET, Map.of("owner", id(bob)))).isEqualTo("not_owner");

        assertThat(store.policy(id(bob))).isEmpty();
        PolicyRecord alices = store.policy(id(alice)).orElseThrow();
        assertThat(alices.mode()).isEqualTo("allowlist");
        assertThat(alices.allow()).containsExactly(id(carol));
        assertThat(result(alice, SystemOp.POLICY_GET, Map.of()).get("mode").asText()).isEqualTo("allowlist");
        assertThat(audit()).hasSize(audits);

        assertThat(result(alice, SystemOp.POLICY_SET, Map.of("owner", id(alice), "mode", "open")).get("mode").asText())
                .as("owner = self is fine").isEqualTo("open");
    }

    @Test
    void policyAddAndRemove() {
        JsonNode added = result(alice, SystemOp.POLICY_ADD, Map.of("list", "allow", "keys", List.of(id(bob), id(carol))));
        assertThat(added.get("mode").asText()).isEqualTo("blocklist");
        assertThat(texts(added.get("allow"))).containsExactlyInAnyOrder(id(bob), id(carol));

        JsonNode again = result(alice, SystemOp.POLICY_ADD, Map.of("list", "allow", "keys", List.of(id(bob))));
        assertThat(texts(again.get("allow"))).as("adding twice is fine").containsExactlyInAnyOrder(id(bob), id(carol));

        JsonNode removed = result(alice, SystemOp.POLICY_REMOVE,
                Map.of("list", "allow", "keys", List.of(id(bob), id(dave))));
        assertThat(texts(removed.get("allow"))).as("removing an absent key is fine").containsExactly(id(carol));

        JsonNode blocked = result(alice, SystemOp.POLICY_ADD, Map.of("list", "block", "keys", List.of(id(dave))));
        assertThat(texts(blocked.get("block"))).containsExactly(id(dave));
        assertThat(texts(blocked.get("allow"))).containsExactly(id(carol));

        PolicyRecord stored = store.policy(id(alice)).orElseThrow();
        assertThat(stored.allow()).containsExactly(id(carol));
        assertThat(stored.block()).containsExactly(id(dave));
        assertThat(result(alice, SystemOp.POLICY_GET, Map.of())).isEqualTo(blocked);
    }

    @Test
    void policyChangeWithABadListIsMalformed() {
        assertThat(errorCode(alice, SystemOp.POLICY_ADD, Map.of("list", "deny", "keys", List.of(id(bob)))))
                .isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.POLICY_ADD, Map.of("keys", List.of(id(bob))))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.POLICY_REMOVE, Map.of("list", "allow", "keys", id(bob))))
                .isEqualTo("malformed");
        assertThat(store.policy(id(alice))).isEmpty();
    }

    @Test
    void badModeIsMalformedAndChangesNothing() {
        result(alice, SystemOp.POLICY_SET, Map.of("mode", "closed"));
        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("mode", "strict"))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("mode", "OPEN"))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("mode", 1))).isEqualTo("malformed");
        assertThat(store.policy(id(alice)).orElseThrow().mode()).isEqualTo("closed");
    }

    @Test
    void invalidKeyIdInAListIsMalformedAndChangesNothing() {
        result(alice, SystemOp.POLICY_SET, Map.of("mode", "allowlist", "allow", List.of(id(bob))));
        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("allow", List.of(id(carol), "not-a-key"))))
                .isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.POLICY_ADD, Map.of("list", "block", "keys", List.of(42))))
                .isEqualTo("malformed");
        assertThat(store.policy(id(alice)).orElseThrow().allow()).containsExactly(id(bob));
        assertThat(store.policy(id(alice)).orElseThrow().block()).isEmpty();
    }

    @Test
    void moreThanAThousandKeysIsTooLargeAndChangesNothing() {
        List<String> many = keyIds(1001);
        result(alice, SystemOp.POLICY_SET, Map.of("mode", "allowlist", "allow", List.of(id(bob))));

        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("allow", many))).isEqualTo("too_large");
        assertThat(errorCode(alice, SystemOp.POLICY_ADD, Map.of("list", "block", "keys", many))).isEqualTo("too_large");
        assertThat(store.policy(id(alice)).orElseThrow().allow()).containsExactly(id(bob));

        JsonNode full = result(alice, SystemOp.POLICY_SET, Map.of("block", many.subList(0, 1000)));
        assertThat(full.get("block")).hasSize(1000);
        assertThat(errorCode(alice, SystemOp.POLICY_ADD, Map.of("list", "block", "keys", List.of(many.get(1000)))))
                .as("the list would exceed 1000").isEqualTo("too_large");
        assertThat(store.policy(id(alice)).orElseThrow().block()).hasSize(1000).doesNotContain(many.get(1000));
    }

    // ------------------------------------------------------------ profiles and discovery

    private static Map<String, Object> card(String name, String visibility, List<String> tags, Map<String, Object> capability) {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", name);
        card.put("description", name + " here");
        if (capability != null) {
            card.put("capabilities", List.of(capability));
        }
        card.put("tags", tags);
        card.put("visibility", visibility);
        return card;
    }

    private static Map<String, Object> capability(String name, String description, String... tags) {
        return args("name", name, "description", description, "tags", List.of(tags), "version", "1.0");
    }

    private JsonNode setCard(RelayKeyPair owner, Map<String, Object> card) {
        return result(owner, SystemOp.PROFILE_SET, Map.of("card", card));
    }

    /** alice, bob and dave public; carol private. */
    private void registerCards() {
        setCard(alice, card("Kitchen fan", "public", List.of("home", "iot"),
                capability("fan.set_speed", "Set speed 0-3", "fan", "hvac")));
        setCard(bob, card("Office printer", "public", List.of("office"),
                capability("printer.print", "Prints documents", "paper")));
        setCard(carol, card("Secret kitchen robot", "private", List.of("home", "fan"),
                capability("fan.set_speed", "Also a fan")));
        setCard(dave, card("Hall light", "public", List.of("home"), null));
    }

    private List<String> discoveredKeys(RelayKeyPair asker, Map<String, Object> query) {
        JsonNode result = result(asker, SystemOp.DISCOVER, query);
        List<String> keys = new ArrayList<>();
        result.get("results").forEach(r -> keys.add(r.get("key_id").asText()));
        return keys;
    }

    @Test
    void profileSetStoresTheCardWithDefaultsAndItsSignedEnvelope() throws Exception {
        Map<String, Object> minimal = Map.of("name", "Fan");
        Envelope request = request(alice, SystemOp.PROFILE_SET, Map.of("card", minimal));
        Envelope answer = ask(alice, request);
        assertThat(answer.kind()).isEqualTo(Kind.RESPONSE);
        JsonNode result = body(answer).get("result");
        assertThat(result.get("key_id").asText()).isEqualTo(id(alice));
        JsonNode card = result.get("card");
        assertThat(card.get("name").asText()).isEqualTo("Fan");
        assertThat(card.get("description").asText()).isEmpty();
        assertThat(card.get("visibility").asText()).isEqualTo("public");
        assertThat(card.get("capabilities")).isEmpty();
        assertThat(envelopeIn(result.get("card_envelope"))).isEqualTo(request);
        assertThat(audit("profile.set")).extracting(AuditRecord::detail).containsExactly("public");

        JsonNode got = result(bob, SystemOp.PROFILE_GET, Map.of("key_id", id(alice)));
        assertThat(got.get("card")).isEqualTo(card);
        assertThat(envelopeIn(got.get("card_envelope")).from()).isEqualTo(id(alice));
    }

    @Test
    void profileSetReplacesTheCard() {
        setCard(alice, card("Old", "public", List.of("a"), null));
        setCard(alice, card("New", "public", List.of("b"), null));
        assertThat(result(bob, SystemOp.PROFILE_GET, Map.of("key_id", id(alice))).get("card").get("name").asText())
                .isEqualTo("New");
        assertThat(discoveredKeys(bob, Map.of("tag", "a"))).isEmpty();
        assertThat(discoveredKeys(bob, Map.of("tag", "b"))).containsExactly(id(alice));
    }

    @Test
    void badCardsAreRefusedAndChangeNothing() {
        setCard(alice, card("Fan", "public", List.of("home"), null));
        assertThat(errorCode(alice, SystemOp.PROFILE_SET, Map.of("card", Map.of("name", "")))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PROFILE_SET, Map.of("card", Map.of("name", "x", "colour", "red"))))
                .isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PROFILE_SET, Map.of("card", Map.of("name", "x", "tags", List.of("Home")))))
                .isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PROFILE_SET, Map.of("card", Map.of("name", "x", "visibility", "hidden"))))
                .isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PROFILE_SET, Map.of())).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PROFILE_SET, Map.of("owner", id(bob), "card", Map.of("name", "Bob?"))))
                .isEqualTo("not_owner");
        assertThat(store.card(id(bob))).isEmpty();
        assertThat(result(alice, SystemOp.PROFILE_GET, Map.of()).get("card").get("name").asText()).isEqualTo("Fan");
    }

    @Test
    void privateCardIsVisibleToItsOwnerOnly() {
        JsonNode set = setCard(carol, card("Robot", "private", List.of("home"), null));
        assertThat(set.get("card").get("visibility").asText()).isEqualTo("private");

        assertThat(errorCode(alice, SystemOp.PROFILE_GET, Map.of("key_id", id(carol)))).isEqualTo("not_found");
        assertThat(result(carol, SystemOp.PROFILE_GET, Map.of("key_id", id(carol))).get("card").get("name").asText())
                .isEqualTo("Robot");
        assertThat(result(carol, SystemOp.PROFILE_GET, Map.of()).get("key_id").asText()).isEqualTo(id(carol));
    }

    @Test
    void profileGetOfUnknownOrInvalidKey() {
        assertThat(errorCode(alice, SystemOp.PROFILE_GET, Map.of("key_id", id(dave)))).isEqualTo("not_found");
        assertThat(errorCode(alice, SystemOp.PROFILE_GET, Map.of())).as("no own card").isEqualTo("not_found");
        assertThat(errorCode(alice, SystemOp.PROFILE_GET, Map.of("key_id", "nobody"))).isEqualTo("malformed");
    }

    @Test
    void notFoundForPrivateAndMissingCardsReadsTheSame() {
        setCard(carol, card("Robot", "private", List.of(), null));
        Envelope privateAnswer = ask(alice, SystemOp.PROFILE_GET, Map.of("key_id", id(carol)));
        Envelope missingAnswer = ask(alice, SystemOp.PROFILE_GET, Map.of("key_id", id(dave)));
        assertThat(body(privateAnswer).get("message").asText().replace(id(carol), "K"))
                .isEqualTo(body(missingAnswer).get("message").asText().replace(id(dave), "K"));
    }

    @Test
    void discoverByTagCapabilityAndText() {
        registerCards();
        assertThat(discoveredKeys(bob, Map.of("tag", "home"))).containsExactlyInAnyOrder(id(alice), id(dave));
        assertThat(discoveredKeys(bob, Map.of("tag", "hvac"))).as("capability tags count").containsExactly(id(alice));
        assertThat(discoveredKeys(bob, Map.of("tag", "fan"))).as("carol's card is private").containsExactly(id(alice));
        assertThat(discoveredKeys(bob, Map.of("capability", "fan.set_speed"))).containsExactly(id(alice));
        assertThat(discoveredKeys(bob, Map.of("capability", "printer.print"))).containsExactly(id(bob));
        assertThat(discoveredKeys(bob, Map.of("text", "KITCHEN"))).containsExactly(id(alice));
        assertThat(discoveredKeys(bob, Map.of("text", "documents"))).as("capability descriptions")
                .containsExactly(id(bob));
        assertThat(discoveredKeys(bob, Map.of("tag", "home", "text", "light"))).containsExactly(id(dave));
        assertThat(discoveredKeys(bob, Map.of("tag", "nothing"))).isEmpty();
    }

    @Test
    void discoverNeverShowsPrivateCards() {
        registerCards();
        List<String> all = discoveredKeys(carol, Map.of());
        assertThat(all).containsExactlyInAnyOrder(id(alice), id(bob), id(dave)).doesNotContain(id(carol));
        assertThat(discoveredKeys(carol, Map.of("text", "robot"))).as("not even for the owner").isEmpty();
    }

    @Test
    void discoverResultsCarryCardEnvelopeAndPresence() {
        registerCards();
        engine.onConnected(dave.keyId());
        JsonNode result = result(bob, SystemOp.DISCOVER, Map.of("tag", "home"));
        assertThat(result.get("next").isNull()).isTrue();
        for (JsonNode entry : result.get("results")) {
            assertThat(fieldNames(entry)).contains("key_id", "card", "card_envelope", "presence");
            Envelope cardEnvelope = envelopeIn(entry.get("card_envelope"));
            assertThat(cardEnvelope.from()).isEqualTo(entry.get("key_id").asText());
            assertThat(cardEnvelope.kind()).isEqualTo(Kind.REQUEST);
            assertThat(body(cardEnvelope).get("op").asText()).isEqualTo("profile.set");
            boolean isDave = entry.get("key_id").asText().equals(id(dave));
            assertThat(entry.get("presence").get("online").asBoolean()).isEqualTo(isDave);
        }
    }

    @Test
    void discoverPagingWalksEveryPublicCardOnce() {
        registerCards();
        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, Object> query = args("limit", 1);
            if (cursor != null) {
                query.put("cursor", cursor);
            }
            JsonNode page = result(bob, SystemOp.DISCOVER, query);
            assertThat(page.get("results")).hasSize(1);
            walked.add(page.get("results").get(0).get("key_id").asText());
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(walked).containsExactlyInAnyOrder(id(alice), id(bob), id(dave));
        assertThat(walked).isSorted();
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void discoverRefusesBadArguments() {
        assertThat(errorCode(bob, SystemOp.DISCOVER, Map.of("limit", 0))).isEqualTo("malformed");
        assertThat(errorCode(bob, SystemOp.DISCOVER, Map.of("limit", 51))).isEqualTo("malformed");
        assertThat(errorCode(bob, SystemOp.DISCOVER, Map.of("limit", "5"))).isEqualTo("malformed");
        assertThat(errorCode(bob, SystemOp.DISCOVER, Map.of("cursor", "%%%"))).isEqualTo("malformed");
        assertThat(errorCode(bob, SystemOp.DISCOVER, Map.of("owner", id(bob)))).isEqualTo("malformed");
    }

    // ------------------------------------------------------------ presence

    @Test
    void presenceShowsSelfAndPublicCardsOnly() {
        setCard(bob, card("Bob", "public", List.of(), null));
        setCard(carol, card("Carol", "private", List.of(), null));
        Map<String, Object> query = Map.of("key_ids", List.of(id(alice), id(bob), id(carol), id(dave)));

        JsonNode before = result(alice, SystemOp.PRESENCE_GET, query).get("presence");
        assertThat(fieldNames(before)).containsExactlyInAnyOrder(id(alice), id(bob));
        assertThat(before.get(id(bob)).get("online").asBoolean()).isFalse();
        assertThat(before.get(id(bob)).get("last_seen").isNull()).as("never connected").isTrue();
        assertThat(before.get(id(alice)).get("last_seen").isNull()).isTrue();

        long connectedAt = now();
        engine.onConnected(bob.keyId());
        engine.onConnected(carol.keyId());
        engine.onConnected(dave.keyId());
        engine.onConnected(alice.keyId());
        JsonNode online = result(alice, SystemOp.PRESENCE_GET, query).get("presence");
        assertThat(fieldNames(online)).containsExactlyInAnyOrder(id(alice), id(bob));
        assertThat(online.get(id(bob)).get("online").asBoolean()).isTrue();
        assertThat(online.get(id(bob)).get("last_seen").asLong()).isEqualTo(connectedAt);
        assertThat(online.get(id(alice)).get("online").asBoolean()).isTrue();

        clock.advanceSeconds(42);
        long leftAt = now();
        engine.onDisconnected(bob.keyId());
        JsonNode offline = result(alice, SystemOp.PRESENCE_GET, query).get("presence");
        assertThat(offline.get(id(bob)).get("online").asBoolean()).isFalse();
        assertThat(offline.get(id(bob)).get("last_seen").asLong()).isEqualTo(leftAt);
        assertThat(fieldNames(offline)).doesNotContain(id(carol), id(dave));

        JsonNode carolsOwn = result(carol, SystemOp.PRESENCE_GET, Map.of("key_ids", List.of(id(carol)))).get("presence");
        assertThat(carolsOwn.get(id(carol)).get("online").asBoolean()).as("private, but self").isTrue();
    }

    @Test
    void presenceCountsSessions() {
        setCard(bob, card("Bob", "public", List.of(), null));
        engine.onConnected(bob.keyId());
        engine.onConnected(bob.keyId());
        engine.onDisconnected(bob.keyId());
        Map<String, Object> query = Map.of("key_ids", List.of(id(bob)));
        assertThat(result(alice, SystemOp.PRESENCE_GET, query).get("presence").get(id(bob)).get("online").asBoolean())
                .isTrue();
        engine.onDisconnected(bob.keyId());
        assertThat(result(alice, SystemOp.PRESENCE_GET, query).get("presence").get(id(bob)).get("online").asBoolean())
                .isFalse();
        assertThat(audit("identity.first_seen")).extracting(AuditRecord::actor).containsExactly(id(bob));
    }

    @Test
    void simultaneousFirstConnectsAuditFirstSeenOnce() throws Exception {
        int sessions = 8;
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> connects = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                connects.add(pool.submit(() -> {
                    start.await();
                    engine.onConnected(carol.keyId());
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> connect : connects) {
                connect.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(audit("identity.first_seen")).extracting(AuditRecord::actor).containsExactly(id(carol));
    }

    @Test
    void presenceRefusesBadKeyLists() {
        assertThat(errorCode(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", keyIds(51)))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", List.of()))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", List.of("x")))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PRESENCE_GET, Map.of())).isEqualTo("malformed");
        assertThat(result(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", keyIds(50))).get("presence")).isEmpty();
    }

    // ------------------------------------------------------------ thread history

    @Nested
    class ThreadHistory {
        private final String thread = MessageId.generate(System.currentTimeMillis());

        private Envelope say(RelayKeyPair from, RelayKeyPair to) {
            clock.advanceSeconds(1);
            return deliver(from, to, message(to).threadId(thread));
        }

        private JsonNode history(RelayKeyPair who, Map<String, Object> args) {
            Map<String, Object> all = args("thread_id", thread);
            all.putAll(args);
            return result(who, SystemOp.THREAD_HISTORY, all);
        }

        private List<String> ids(JsonNode page) {
            List<String> ids = new ArrayList<>();
            page.get("messages").forEach(entry -> ids.add(envelopeIn(entry).id()));
            return ids;
        }

        /** Every page with {@code limit}, in order; fails on a loop. */
        private List<String> walk(RelayKeyPair who, int limit) {
            List<String> all = new ArrayList<>();
            String cursor = null;
            for (int pages = 0; pages < 50; pages++) {
                Map<String, Object> query = args("limit", limit);
                if (cursor != null) {
                    query.put("before", cursor);
                }
                JsonNode page = history(who, query);
                assertThat(page.get("messages").size()).isLessThanOrEqualTo(limit);
                all.addAll(ids(page));
                if (page.get("next").isNull()) {
                    return all;
                }
                cursor = page.get("next").asText();
            }
            throw new AssertionError("paging did not end");
        }

        private List<Envelope> conversation() {
            List<Envelope> sent = new ArrayList<>();
            sent.add(say(alice, bob));
            sent.add(say(bob, alice));
            sent.add(say(alice, bob));
            sent.add(say(bob, alice));
            sent.add(say(alice, bob));
            sent.add(say(carol, alice));
            return sent;
        }

        private List<String> newestFirst(List<Envelope> envelopes) {
            List<String> ids = new ArrayList<>(envelopes.stream().map(Envelope::id).toList());
            java.util.Collections.reverse(ids);
            return ids;
        }

        @Test
        void eachParticipantSeesOnlyItsOwnMessages() {
            List<Envelope> sent = conversation();
            List<Envelope> aliceAndBob = sent.subList(0, 5);
            Envelope carols = sent.get(5);

            JsonNode forBob = history(bob, Map.of());
            assertThat(ids(forBob)).containsExactlyElementsOf(newestFirst(aliceAndBob));
            assertThat(forBob.get("next").isNull()).isTrue();
            assertThat(envelopeIn(forBob.get("messages").get(0))).as("complete, verifiable envelopes")
                    .isEqualTo(aliceAndBob.get(4));

            assertThat(ids(history(carol, Map.of()))).containsExactly(carols.id());
            assertThat(ids(history(alice, Map.of()))).containsExactlyElementsOf(newestFirst(sent));

            JsonNode forDave = history(dave, Map.of());
            assertThat(forDave.get("messages")).isEmpty();
            assertThat(forDave.get("next").isNull()).isTrue();
        }

        @Test
        void unknownThreadLooksLikeAnEmptyOne() {
            conversation();
            JsonNode other = result(alice, SystemOp.THREAD_HISTORY, Map.of("thread_id", MessageId.generate(now())));
            assertThat(other.get("messages")).isEmpty();
            assertThat(other.get("next").isNull()).isTrue();
        }

        @Test
        void pagingReturnsEverythingOnceNewestFirst() {
            List<Envelope> sent = conversation();
            assertThat(walk(alice, 2)).containsExactlyElementsOf(newestFirst(sent));
            assertThat(walk(bob, 2)).containsExactlyElementsOf(newestFirst(sent.subList(0, 5)));
            assertThat(walk(alice, 1)).containsExactlyElementsOf(newestFirst(sent));
            assertThat(walk(alice, 100)).containsExactlyElementsOf(newestFirst(sent));

            JsonNode first = history(alice, Map.of("limit", 2));
            assertThat(first.get("next").isTextual()).isTrue();
        }

        @Test
        void expiredMessagesAreNotReturned() {
            Envelope first = say(alice, bob);
            clock.advanceSeconds(1);
            Envelope shortLived = deliver(bob, alice, message(alice).threadId(thread).expiresIn(5L));
            Envelope last = say(alice, bob);

            assertThat(ids(history(bob, Map.of()))).containsExactly(last.id(), shortLived.id(), first.id());
            clock.advanceSeconds(5);
            assertThat(ids(history(bob, Map.of()))).containsExactly(last.id(), first.id());
            assertThat(walk(alice, 1)).containsExactly(last.id(), first.id());
        }

        @Test
        void pagingSkipsOverARunOfExpiredMessages() {
            Envelope old1 = say(alice, bob);
            Envelope old2 = say(alice, bob);
            for (int i = 0; i < 3; i++) {
                clock.advanceSeconds(1);
                deliver(alice, bob, message(bob).threadId(thread).expiresIn(10L));
            }
            clock.advanceSeconds(10);

            assertThat(walk(bob, 2)).containsExactly(old2.id(), old1.id());
            assertThat(walk(bob, 1)).containsExactly(old2.id(), old1.id());
            assertThat(ids(history(bob, Map.of()))).containsExactly(old2.id(), old1.id());
        }

        @Test
        void badArgumentsAreMalformed() {
            assertThat(errorCode(alice, SystemOp.THREAD_HISTORY, Map.of())).isEqualTo("malformed");
            assertThat(errorCode(alice, SystemOp.THREAD_HISTORY, Map.of("thread_id", "short"))).isEqualTo("malformed");
            assertThat(errorCode(alice, SystemOp.THREAD_HISTORY, Map.of("thread_id", thread, "limit", 101)))
                    .isEqualTo("malformed");
            assertThat(errorCode(alice, SystemOp.THREAD_HISTORY, Map.of("thread_id", thread, "limit", 0)))
                    .isEqualTo("malformed");
            assertThat(errorCode(alice, SystemOp.THREAD_HISTORY, Map.of("thread_id", thread, "before", "bm90LWEtY3Vyc29y")))
                    .as("not a cursor the relay issued").isEqualTo("malformed");
            assertThat(errorCode(alice, SystemOp.THREAD_HISTORY, Map.of("thread_id", thread, "after", "x")))
                    .isEqualTo("malformed");
        }

        @Test
        void historyAnswersStayWithinTheBodyLimit() {
            byte[] big = new byte[40_000];
            for (int i = 0; i < 6; i++) {
                clock.advanceSeconds(1);
                deliver(alice, bob, message(bob).threadId(thread).body(big));
            }
            Set<String> seen = new HashSet<>();
            String cursor = null;
            int pages = 0;
            do {
                Map<String, Object> query = args("thread_id", thread, "limit", 100);
                if (cursor != null) {
                    query.put("before", cursor);
                }
                Envelope answer = ask(bob, request(bob, SystemOp.THREAD_HISTORY, query));
                assertThat(answer.kind()).isEqualTo(Kind.RESPONSE);
                assertThat(answer.bodyLength()).isLessThanOrEqualTo(Envelope.MAX_BODY_BYTES);
                JsonNode page = body(answer).get("result");
                assertThat(page.get("messages")).isNotEmpty();
                for (String id : ids(page)) {
                    assertThat(seen.add(id)).as("no repeats").isTrue();
                }
                cursor = page.get("next").isNull() ? null : page.get("next").asText();
                pages++;
            } while (cursor != null && pages < 20);
            assertThat(seen).hasSize(6);
            assertThat(pages).as("split over several answers").isGreaterThan(1);
        }
    }

    @Test
    void aResentRequestIsAcknowledgedButNotExecutedTwice() {
        Envelope setOpen = request(alice, SystemOp.POLICY_SET, Map.of("mode", "open"));
        assertThat(ask(alice, setOpen).kind()).isEqualTo(Kind.RESPONSE);
        result(alice, SystemOp.POLICY_SET, Map.of("mode", "closed"));

        PublishOutcome again = engine.onPublish(alice.keyId(), LASTING, systemAddress(), setOpen.toJson());

        assertThat(again).isInstanceOf(PublishOutcome.Duplicate.class);
        assertThat(result(alice, SystemOp.POLICY_GET, Map.of()).get("mode").asText()).isEqualTo("closed");
    }

    @Test
    void anOwnerThatIsNotAStringIsMalformed() {
        assertThat(errorCode(alice, SystemOp.POLICY_SET, Map.of("owner", 42, "mode", "closed"))).isEqualTo("malformed");
        assertThat(result(alice, SystemOp.POLICY_GET, Map.of()).get("mode").asText()).isEqualTo("blocklist");
    }

    @Test
    void presenceAsksForOneToFiftyKeys() {
        List<String> fiftyOne = IntStream.range(0, 51).mapToObj(i -> id(RelayKeyPair.generate())).toList();
        assertThat(errorCode(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", fiftyOne))).isEqualTo("malformed");
        assertThat(errorCode(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", List.of()))).isEqualTo("malformed");
        assertThat(result(alice, SystemOp.PRESENCE_GET, Map.of("key_ids", fiftyOne.subList(0, 50))).get("presence"))
                .as("unknown identities are omitted").isEmpty();
    }

    @Test
    void aCardWithNullCapabilitiesHasNone() {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", "Sensor");
        card.put("capabilities", null);
        JsonNode stored = result(alice, SystemOp.PROFILE_SET, Map.of("card", card));
        assertThat(stored.get("card").get("capabilities")).isEmpty();
    }

    @Test
    void aFaultInsideAnOperationIsAnsweredAsInternalNotLost() {
        RelayStore failing = storeFailingOn("searchPublicCards");
        RelayEngine faulty = RelayEngine.create(config(), failing, relayKey, clock);
        Envelope discover = request(alice, SystemOp.DISCOVER, Map.of());

        PublishOutcome outcome = faulty.onPublish(alice.keyId(), LASTING, systemAddress(), discover.toJson());

        assertThat(outcome).isInstanceOf(PublishOutcome.Reply.class);
        Envelope answer = ((PublishOutcome.Reply) outcome).reply();
        assertThat(answer.kind()).isEqualTo(Kind.ERROR);
        assertThat(answer.inReplyTo()).isEqualTo(discover.id());
        assertThat(body(answer).get("code").asText()).isEqualTo("internal");
    }

    @Test
    void aProfileRequestOverThirtyTwoKibIsTooLargeAndStoresNothing() {
        String padded = "{\"op\":\"profile.set\",\"args\":{\"card\":{\"name\":\"Padded\"}}" + " ".repeat(33_000) + "}";
        Envelope request = sign(Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).ts(now())
                .contentType(JsonBodies.CONTENT_TYPE).body(padded), alice);

        assertThat(errorCode(alice, request)).isEqualTo("too_large");
        assertThat(store.card(id(alice))).isEmpty();
    }
}
