package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Addressing;
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
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MQTT-specific attacks on the HiveMQ extension (loaded from its zip), beyond the kit's {@code AttackSuite}
 * ({@link HiveMQAttacksIT}) and {@link InboxIsolationIT} (which already covers: the common wildcard filters,
 * {@code $share/g/<victim inbox>}, subscribing to {@code relay/v1/sys}, unsubscribing someone else's filters, an empty
 * retained publish into an offline victim's inbox, a clean-start connect with the victim's client id, publishing to
 * {@code sensors/kitchen}) and {@link AuthenticationIT} (MQTT 5 wills into the namespace, token and client id
 * refusals with their codes).
 *
 * <p>Each test has a victim, bob, who lets only his friend carol write to him (allowlist), and asserts at the end that
 * a bystander pair still exchanges a message, that carol's next message is the first thing bob gets after the attack,
 * and that bob's policy is unchanged ({@link #assertUnharmed}).
 */
class MqttAttacksIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static RelayHiveMQ broker;

    @BeforeAll
    static void startBroker() {
        broker = RelayHiveMQ.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    // ---- topic aliases (MQTT 5) --------------------------------------------------------------------------------

    @Test
    void topicAliasesAreResolvedBeforeEveryDecisionEvenWhenRemapped() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        String malloryInbox = Clients.inbox(mallory);
        try (RawMqtt5 m = RawMqtt5.open(broker)) {
            RawMqtt5.Ack connAck = m.connect(Clients.keyId(mallory), Clients.keyId(mallory),
                    Clients.token(mallory, broker.realm()), true);
            assertThat(connAck.reasonCode()).isZero();
            assertThat(connAck.topicAliasMaximum()).as("the broker accepts topic aliases").isPositive();
            assertThat(m.subscribe(null, 0, malloryInbox).reasonCodes()).containsExactly(1);

            // Alias 1 = mallory's own inbox, set by an accepted note to self.
            byte[] note = envelope(mallory, mallory, "note to self");
            assertThat(m.publish(malloryInbox, 1, note, false).reasonCode()).isZero();
            // Alias only: the relay sees mallory's inbox, so an envelope for bob does not match it.
            assertRefused(m.publish("", 1, envelope(mallory, bob.key, "via alias 1"), false), 0x99,
                    "recipient_mismatch");
            // Alias 1 re-mapped to bob's inbox in the same PUBLISH: decided on bob's inbox (allowlist: refused).
            assertRefused(m.publish(Clients.inbox(bob.key), 1, envelope(mallory, bob.key, "remapped"), false), 0x87,
                    "acl_denied");
            // And alias-only afterwards is bob's inbox too, still refused; a note to self through it does not match.
            assertRefused(m.publish("", 1, envelope(mallory, bob.key, "alias now bob"), false), 0x87, "acl_denied");
            assertRefused(m.publish("", 1, envelope(mallory, mallory, "note via bob's alias"), false), 0x99,
                    "recipient_mismatch");
            // An alias for a topic outside the namespace stays forbidden on every use.
            assertRefused(m.publish("sensors/kitchen", 2, note, false), 0x87, "forbidden");
            assertRefused(m.publish("", 2, note, false), 0x87, "forbidden");
            assertThat(m.isConnected()).isTrue();

            RawMqtt5.Incoming own = m.awaitPublish(WAIT);
            assertThat(own).as("mallory's note to self").isNotNull();
            assertThat(own.payload()).isEqualTo(note);
            assertThat(m.awaitPublish(Duration.ofMillis(300))).as("nothing else for mallory").isNull();
        }
        bob.assertUnharmed();
    }

    // ---- re-authentication (MQTT 5 AUTH) ----------------------------------------------------------------------

    @Test
    void reAuthenticationCannotSwitchAConnectionToAnotherIdentity() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        String method = "relay-ed25519-v1";
        try (RawMqtt5 m = RawMqtt5.open(broker)) {
            // A correct challenge-response connect as mallory (SPEC §2.5.1).
            RawMqtt5.Ack challenge = m.connectEnhanced(Clients.keyId(mallory), method,
                    Clients.keyId(mallory).getBytes(StandardCharsets.UTF_8));
            assertThat(challenge.type()).as("AUTH continue").isEqualTo(15);
            String answer = ConnectToken.create(mallory, broker.realm(), Instant.now().getEpochSecond(),
                    challenge.authData()).password();
            RawMqtt5.Ack connAck = m.auth(0x18, method, answer.getBytes(StandardCharsets.UTF_8));
            assertThat(connAck.type()).isEqualTo(2);
            assertThat(connAck.reasonCode()).isZero();
            // Re-authenticate on the open connection naming bob's key: the relay supports no re-authentication
            // and closes the connection rather than let it change identity.
            RawMqtt5.Ack reAuth = m.auth(0x19, method, Clients.keyId(bob.key).getBytes(StandardCharsets.UTF_8));
            assertThat(reAuth.type()).as("answer to re-authentication: %s", reAuth).isEqualTo(14);
            assertThat(reAuth.reasonCode()).isEqualTo(0x87);
            assertThat(reAuth.reasonString()).startsWith("bad_credentials: ");
            assertThat(m.isConnected()).isFalse();
        }
        bob.assertUnharmed();
    }

    // ---- wills --------------------------------------------------------------------------------------------------

    @Test
    void mqtt311WillsIntoTheNamespaceAreRefusedAtConnect() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        // A will is published by the broker, not by mallory, so it would skip the envelope checks: refused outright.
        byte[] validEnvelope = envelope(mallory, bob.key, "from beyond the grave");
        byte[] request = SystemRequest.envelope(mallory, SystemOp.POLICY_SET, Map.of("mode", "open")).toJson();
        for (Map.Entry<String, byte[]> will : Map.of(Clients.inbox(bob.key), validEnvelope,
                Addressing.MQTT_SYSTEM_TOPIC, request, Clients.inbox(mallory), validEnvelope,
                "relay/v1/elsewhere", validEnvelope).entrySet()) {
            org.eclipse.paho.client.mqttv3.MqttAsyncClient client = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(
                    broker.serverUri(), Clients.keyId(mallory),
                    new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            try {
                MqttConnectOptions options = new MqttConnectOptions();
                options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
                options.setUserName(Clients.keyId(mallory));
                options.setPassword(Clients.token(mallory, broker.realm()).toCharArray());
                options.setWill(will.getKey(), will.getValue(), 1, false);
                int code = 0;
                try {
                    client.connect(options).waitForCompletion(WAIT.toMillis());
                } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                    code = e.getReasonCode();
                }
                assertThat(code).as("CONNACK with a will to %s", will.getKey()).isEqualTo(5); // Not authorized
            } finally {
                if (client.isConnected()) {
                    client.disconnectForcibly(0, 1000);
                }
                client.close(true);
            }
        }
        bob.assertUnharmed();
    }

    // ---- retained publishes ----------------------------------------------------------------------------------

    /** SPEC §3.9: the retain flag is refused in the namespace, as on Artemis; a retained envelope would outlive its TTL. */
    @Test
    void aRetainedPublishIntoAnInboxIsRefusedAndNeverKept() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair alice = RelayKeyPair.generate();
        try (RawMqtt5 carol5 = RawMqtt5.open(broker)) {
            assertThat(carol5.connect(Clients.keyId(bob.friend) + ".raw", Clients.keyId(bob.friend),
                    Clients.token(bob.friend, broker.realm()), true).reasonCode()).isZero();
            assertRefused(carol5.publish(Clients.inbox(bob.key), null,
                    envelope(bob.friend, bob.key, "retained over MQTT 5"), true), 0x87, "forbidden");
            assertThat(carol5.isConnected()).isTrue();
        }
        try (Clients.PahoV3 carol3 = Clients.pahoV3(broker, bob.friend)) {
            assertThat(carol3.subscribeInbox()).containsExactly(1);
            carol3.client().publish(Clients.inbox(bob.key), envelope(bob.friend, bob.key, "retained over MQTT 3.1.1"),
                    1, true).waitForCompletion(WAIT.toMillis());
            assertErrorEnvelope(carol3.awaitPayload(WAIT), "forbidden");
            assertThat(carol3.isConnected()).isTrue();
        }
        assertThat(bob.client.awaitPayload(Duration.ofMillis(500))).as("bob received a retained publish").isNull();

        // Nothing was kept: bob's second session, alice on her own inbox and bob re-subscribing get no copy.
        try (RawMqtt5 second = RawMqtt5.open(broker); Clients.PahoV5 a = Clients.pahoV5(broker, alice)) {
            assertThat(second.connect(Clients.keyId(bob.key) + ".second", Clients.keyId(bob.key),
                    Clients.token(bob.key, broker.realm()), true).reasonCode()).isZero();
            assertThat(second.subscribe(null, 0, Clients.inbox(bob.key)).reasonCodes()).containsExactly(1);
            assertThat(a.subscribeInbox()).containsExactly(1);
            assertThat(bob.client.subscribeInbox()).containsExactly(1);
            assertThat(second.awaitPublish(Duration.ofMillis(500))).as("a retained copy for a new session").isNull();
            assertThat(a.awaitPayload(Duration.ofMillis(100))).isNull();
        }
        bob.assertUnharmed();
    }

    // ---- look-alike topics ---------------------------------------------------------------------------------------

    @Test
    void lookAlikeTopicsOfAnInboxAreForbiddenOnMqtt5() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Clients.PahoV5 m = Clients.pahoV5(broker, mallory)) {
            for (String topic : lookAlikes(bob.key)) {
                Clients.PublishResult result = m.publish(topic, envelope(mallory, bob.key, "look-alike"));
                assertThat(result.reasonCode()).as("PUBACK for '%s': %s", topic, result).isEqualTo(0x87);
                assertThat(result.reasonString()).as("'%s'", topic).startsWith("forbidden: ");
            }
            assertThat(m.isConnected()).isTrue();
        }
        bob.assertUnharmed();
    }

    @Test
    void lookAlikeTopicsOfAnInboxAreForbiddenOnMqtt311() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Clients.PahoV3 m = Clients.pahoV3(broker, mallory)) {
            assertThat(m.subscribeInbox()).containsExactly(1);
            List<String> topics = lookAlikes(bob.key);
            for (String topic : topics) {
                assertThat(m.publish(topic, envelope(mallory, bob.key, "look-alike")).acknowledged()).isTrue();
            }
            for (String topic : topics) {
                byte[] payload = m.awaitPayload(WAIT);
                assertThat(payload).as("error envelope for '%s'", topic).isNotNull();
                assertErrorEnvelope(payload, "forbidden");
            }
            assertThat(m.isConnected()).isTrue();
        }
        bob.assertUnharmed();
    }

    private static List<String> lookAlikes(RelayKeyPair victim) {
        String id = Clients.keyId(victim);
        return List.of(
                "Relay/v1/inbox/" + id,
                "relay/V1/inbox/" + id,
                "relay/v1/Inbox/" + id,
                "/relay/v1/inbox/" + id,
                "relay//v1/inbox/" + id,
                "relay/v1//inbox/" + id,
                "relay/v1/inbox//" + id,
                "relay/v1/inbox/" + id + "/",
                "relay/v1/inbox/" + id + "/x",
                "relay/v1/inbox/" + id + " ",
                "relay/v1/inbox/" + id + "\u200B",
                "relay/v2/inbox/" + id,
                "relay/v1/sys/" + id,
                "relay/v1/inbox/" + id.substring(0, 42),
                "$share/g/relay/v1/inbox/" + id,
                "$SYS/relay/v1/inbox/" + id);
    }

    // ---- session takeover ----------------------------------------------------------------------------------------

    @Test
    void takingOverTheVictimsSessionFailsWhetherItIsOnlineOrWaiting() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        String bobId = Clients.keyId(bob.key);
        String malloryId = Clients.keyId(mallory);
        // Bob online: resuming (clean start 0) his client id, or a suffixed one, with mallory's own credentials, or
        // his key id as username with mallory's token. None may connect, and none may kick bob off.
        assertTakeoversRefused(bobId, malloryId, mallory);
        assertThat(bob.client.isConnected()).as("bob's live connection").isTrue();
        assertThat(bob.client.disconnects()).as("DISCONNECTs bob got").isEmpty();
        bob.assertUnharmed();

        // Bob offline with a message waiting in his session: same attempts, then bob gets exactly that message.
        bob.client.disconnect();
        byte[] waiting = envelope(bob.friend, bob.key, "waiting in bob's session");
        try (Clients.PahoV5 carol = Clients.pahoV5(broker, bob.friend)) {
            assertThat(carol.publishToInbox(bobId, waiting).accepted()).isTrue();
        }
        assertTakeoversRefused(bobId, malloryId, mallory);
        bob.client.close();
        try (Clients.PahoV5 back = Clients.pahoV5(broker, bob.key)) {
            assertThat(back.sessionPresent()).as("bob's session survived").isTrue();
            assertThat(back.awaitPayload(WAIT)).as("the waiting message").isEqualTo(waiting);
            bob.client = back;
            bob.assertUnharmed();
        }
    }

    private static void assertTakeoversRefused(String bobId, String malloryId, RelayKeyPair mallory) {
        for (String clientId : List.of(bobId, bobId + ".takeover")) {
            assertThat(resumeV5(clientId, malloryId, Clients.token(mallory, broker.realm())))
                    .as("MQTT 5, client id %s, mallory's credentials", clientId).isEqualTo(0x85);
            assertThat(resumeV3(clientId, malloryId, Clients.token(mallory, broker.realm())))
                    .as("MQTT 3.1.1, client id %s, mallory's credentials", clientId).isEqualTo(2);
            assertThat(resumeV5(clientId, bobId, Clients.token(mallory, broker.realm())))
                    .as("MQTT 5, client id %s, bob's key id with mallory's token", clientId).isEqualTo(0x86);
            assertThat(resumeV3(clientId, bobId, Clients.token(mallory, broker.realm())))
                    .as("MQTT 3.1.1, client id %s, bob's key id with mallory's token", clientId).isEqualTo(4);
        }
    }

    /** CONNACK code of a clean-start-0 (session resuming) MQTT 5 connect; 0 if accepted. */
    private static int resumeV5(String clientId, String username, String password) {
        try (Clients.PahoV5 client = Clients.pahoV5(broker.serverUri(), clientId, username, password, false)) {
            return 0;
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            return e.getReasonCode();
        }
    }

    private static int resumeV3(String clientId, String username, String password) {
        try (Clients.PahoV3 client = Clients.pahoV3(broker.serverUri(), clientId, username, password, false)) {
            return 0;
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            return e.getReasonCode();
        }
    }

    // ---- subscriptions -------------------------------------------------------------------------------------------

    @Test
    void oneSubscribeMixingTheOwnInboxWithOthersIsDecidedFilterByFilter() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        String bobId = Clients.keyId(bob.key);
        try (RawMqtt5 m = RawMqtt5.open(broker)) {
            assertThat(m.connect(Clients.keyId(mallory), Clients.keyId(mallory), Clients.token(mallory, broker.realm()),
                    true).reasonCode()).isZero();
            // A subscription identifier and retain-as-published do not change the decision.
            RawMqtt5.Ack subAck = m.subscribe(7, 0x08, Clients.inbox(mallory), Clients.inbox(bob.key),
                    "relay/v1/+/" + bobId, "+/#", "$share/" + bobId + "/relay/v1/inbox/" + bobId);
            assertThat(subAck.reasonCodes()).containsExactly(1, 0x87, 0x87, 0x87, 0x87);
            assertThat(subAck.reasonString()).startsWith("forbidden: ");
            // No-local (not allowed with $share) on another inbox: refused all the same.
            assertThat(m.subscribe(8, 0x04, Clients.inbox(bob.key)).reasonCodes()).containsExactly(0x87);
            assertThat(m.isConnected()).isTrue();

            byte[] forBob = envelope(bob.friend, bob.key, "for bob");
            byte[] forMallory = envelope(bob.friend, mallory, "for mallory");
            try (Clients.PahoV5 carol = Clients.pahoV5(broker, bob.friend)) {
                assertThat(carol.publishToInbox(bobId, forBob).accepted()).isTrue();
                assertThat(carol.publishToInbox(Clients.keyId(mallory), forMallory).accepted()).isTrue();
            }
            assertThat(bob.client.awaitPayload(WAIT)).isEqualTo(forBob);
            RawMqtt5.Incoming first = m.awaitPublish(WAIT);
            assertThat(first).isNotNull();
            assertThat(first.payload()).as("mallory's first message is her own, not bob's").isEqualTo(forMallory);
            assertThat(m.awaitPublish(Duration.ofMillis(300))).isNull();
        }
        bob.assertUnharmed();
    }

    @Test
    void moreWildcardAndSharedFiltersThatReachAnInboxAreForbidden() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        String bobId = Clients.keyId(bob.key);
        List<String> filters = List.of("+/#", "+/+/+/+", "+/v1/+/+", "relay/+/#", "relay/v1/+/" + bobId,
                "relay/v1/sys/#", "$share/g/#", "$share/g/+/v1/inbox/+", "$share/g/relay/v1/inbox/+",
                "$share/" + bobId + "/relay/v1/inbox/" + bobId);
        try (Clients.PahoV5 m5 = Clients.pahoV5(broker, mallory);
                Clients.PahoV3 m3 = Clients.pahoV3(broker.serverUri(), Clients.keyId(mallory) + ".v3",
                        Clients.keyId(mallory), Clients.token(mallory, broker.realm()), true)) {
            for (String filter : filters) {
                IMqttToken token = m5.client().subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
                token.waitForCompletion(WAIT.toMillis());
                assertThat(token.getReasonCodes()).as("MQTT 5 SUBACK for %s", filter).containsExactly(0x87);
                assertThat(token.getResponseProperties().getReasonString()).as("%s", filter).startsWith("forbidden: ");
                assertThat(m3.subscribe(filter)).as("MQTT 3.1.1 SUBACK for %s", filter).containsExactly(0x80);
            }
            assertThat(m5.isConnected()).isTrue();
            assertThat(m3.isConnected()).isTrue();
            bob.assertUnharmed();
            assertThat(m5.messages()).as("mallory over MQTT 5 read nothing").isEmpty();
            assertThat(m3.messages()).as("mallory over MQTT 3.1.1 read nothing").isEmpty();
        }
    }

    // ---- QoS 0 and QoS 2 -----------------------------------------------------------------------------------------

    @Test
    void forgedEnvelopesAreRefusedAtQos0AndQos2Too() throws Exception {
        Victim bob = Victim.online();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Clients.PahoV5 m = Clients.pahoV5(broker, mallory)) {
            assertThat(m.subscribeInbox()).containsExactly(1);
            // carol's genuine envelope, replayed by mallory: sender_mismatch whatever the QoS.
            byte[] carols = envelope(bob.friend, bob.key, "carol's words");
            MqttMessage qos0 = new MqttMessage(carols);
            qos0.setQos(0);
            m.client().publish(Clients.inbox(bob.key), qos0).waitForCompletion(WAIT.toMillis());
            // No acknowledgement at QoS 0: the refusal comes as an error envelope (SPEC §10.2).
            assertErrorEnvelope(m.awaitPayload(WAIT), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        try (RawMqtt5 m = RawMqtt5.open(broker)) {
            assertThat(m.connect(Clients.keyId(mallory) + ".raw", Clients.keyId(mallory),
                    Clients.token(mallory, broker.realm()), true).reasonCode()).isZero();
            byte[] carols = envelope(bob.friend, bob.key, "carol's words again");
            assertRefused(m.publish(Clients.inbox(bob.key), null, carols, false, 2), 0x87, "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        // A genuine QoS 2 send from carol arrives exactly once.
        byte[] genuine = envelope(bob.friend, bob.key, "exactly once");
        try (Clients.PahoV5 carol = Clients.pahoV5(broker, bob.friend)) {
            MqttMessage qos2 = new MqttMessage(genuine);
            qos2.setQos(2);
            IMqttToken token = carol.client().publish(Clients.inbox(bob.key), qos2);
            token.waitForCompletion(WAIT.toMillis());
            assertThat(token.getException()).isNull();
        }
        assertThat(bob.client.awaitPayload(WAIT)).isEqualTo(genuine);
        bob.assertUnharmed();
    }

    // ---- the victim ------------------------------------------------------------------------------------------

    /** Bob: online over Paho MQTT 5, allowlist = [carol]. */
    private static final class Victim {
        final RelayKeyPair key = RelayKeyPair.generate();
        final RelayKeyPair friend = RelayKeyPair.generate();
        Clients.PahoV5 client;
        JsonNode policy;

        static Victim online() throws Exception {
            Victim victim = new Victim();
            victim.client = Clients.pahoV5(broker, victim.key);
            assertThat(victim.client.subscribeInbox()).containsExactly(1);
            victim.policy = request(victim.client, victim.key, SystemOp.POLICY_SET,
                    Map.of("mode", "allowlist", "allow", List.of(Clients.keyId(victim.friend))));
            return victim;
        }

        /**
         * A bystander pair exchanges a message; carol's next message is the first thing bob receives (nothing the
         * attacker sent is queued before it); bob's policy is as he set it. Closes bob's client.
         */
        void assertUnharmed() throws Exception {
            RelayKeyPair dave = RelayKeyPair.generate();
            RelayKeyPair erin = RelayKeyPair.generate();
            try (Clients.PahoV5 d = Clients.pahoV5(broker, dave); Clients.PahoV3 e = Clients.pahoV3(broker, erin)) {
                assertThat(e.subscribeInbox()).containsExactly(1);
                byte[] hello = envelope(dave, erin, "bystander");
                assertThat(d.publishToInbox(Clients.keyId(erin), hello).accepted()).isTrue();
                assertThat(e.awaitPayload(WAIT)).as("the bystander's message").isEqualTo(hello);
            }
            byte[] control = envelope(friend, key, "control from carol");
            try (Clients.PahoV5 carol = Clients.pahoV5(broker.serverUri(), Clients.keyId(friend) + ".control",
                    Clients.keyId(friend), Clients.token(friend, broker.realm()), true)) {
                assertThat(carol.publishToInbox(Clients.keyId(key), control).accepted()).isTrue();
            }
            assertThat(client.awaitPayload(WAIT)).as("bob's next message is carol's control").isEqualTo(control);
            assertThat(request(client, key, SystemOp.POLICY_GET, Map.of())).as("bob's policy").isEqualTo(policy);
            assertThat(client.isConnected()).isTrue();
        }
    }

    /** A system request over {@code client}; returns the result of the relay's response. */
    private static JsonNode request(Clients.RelayClient client, RelayKeyPair requester, SystemOp op, Map<String, ?> args)
            throws Exception {
        Envelope request = SystemRequest.envelope(requester, op, args);
        assertThat(client.publish(Addressing.MQTT_SYSTEM_TOPIC, request.toJson()).accepted()).isTrue();
        byte[] payload = client.awaitPayload(WAIT);
        assertThat(payload).as("answer to %s", op).isNotNull();
        Envelope answer = Envelope.parse(payload);
        assertThat(answer.inReplyTo()).isEqualTo(request.id());
        assertThat(answer.kind()).isEqualTo(Kind.RESPONSE);
        answer.verify();
        return Json.readObject(answer.body(), "answer").get("result");
    }

    private static void assertRefused(RawMqtt5.Ack puback, int reasonCode, String code) {
        assertThat(puback.reasonCode()).as("PUBACK %s", puback).isEqualTo(reasonCode);
        assertThat(puback.reasonString()).as("PUBACK %s", puback).startsWith(code + ": ");
    }

    private static void assertErrorEnvelope(byte[] payload, String code) throws Exception {
        assertThat(payload).as("error envelope %s", code).isNotNull();
        Envelope error = Envelope.parse(payload);
        assertThat(error.kind()).isEqualTo(Kind.ERROR);
        error.verify();
        assertThat(Json.readObject(error.body(), "error").get("code").asText()).isEqualTo(code);
    }

    private static byte[] envelope(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from).toJson();
    }
}
