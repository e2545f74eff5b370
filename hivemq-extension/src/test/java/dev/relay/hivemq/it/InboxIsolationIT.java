package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §4.4 and §2.6 against the extension loaded from the built zip: nothing a client does can read, alter or delete
 * another identity's inbox. Every refused filter gets SUBACK 0x87 with a {@code forbidden: } reason string on MQTT 5
 * (0x80 on 3.1.1) while the client stays connected; bob's queued messages survive every attempt by alice; publishing
 * outside the namespace is {@code forbidden} (PUBACK 0x87 on MQTT 5, an error envelope from the relay on 3.1.1).
 * Absence is proven with a later control message from the same sender (per-sender FIFO), not with sleeps.
 */
class InboxIsolationIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Pattern RELAY_KEY = Pattern.compile("Relay extension started: .*relay key (\\S+), data in");
    private static RelayHiveMQ broker;
    private static String relayKeyId;

    @BeforeAll
    static void startBroker() {
        broker = RelayHiveMQ.start();
        for (String line : broker.logLines()) {
            Matcher m = RELAY_KEY.matcher(line);
            if (m.find()) {
                relayKeyId = m.group(1);
            }
        }
        assertThat(relayKeyId).as("relay key id from the extension's start line").isNotNull();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Every filter that names or could match bob's inbox, or the system address. */
    private static List<String> forbiddenFilters(RelayKeyPair bob) {
        String bobId = Clients.keyId(bob);
        return List.of(
                Clients.inbox(bob),
                "#",
                "relay/#",
                "relay/+/inbox/+",
                "+/v1/inbox/" + bobId,
                "relay/v1/inbox/+",
                "relay/v1/inbox/#",
                "$share/g/relay/v1/inbox/" + bobId,
                "relay/v1/sys");
    }

    @Test
    void pahoV5SubscriptionsToOtherInboxesAreForbiddenAndReadNothing() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice);
                Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob);
                Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            for (String filter : forbiddenFilters(bob)) {
                IMqttToken token = aliceClient.client().subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
                token.waitForCompletion(WAIT.toMillis());
                assertThat(token.getReasonCodes()).as("SUBACK for %s", filter).containsExactly(0x87);
                assertThat(token.getResponseProperties().getReasonString()).as("reason string for %s", filter)
                        .startsWith("forbidden: ");
                assertThat(aliceClient.isConnected()).as("alice after %s", filter).isTrue();
            }
            assertThat(aliceClient.disconnects()).isEmpty();
            assertOwnInboxStillWorks(aliceClient, alice, bobClient, bob, carolClient, carol);
        }
    }

    @Test
    void hivemqClientSubscriptionsToOtherInboxesAreForbiddenAndReadNothing() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.HiveMqV5 aliceClient = Clients.hivemqV5(broker, alice);
                Clients.HiveMqV5 bobClient = Clients.hivemqV5(broker, bob);
                Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            for (String filter : forbiddenFilters(bob)) {
                Mqtt5SubAck subAck;
                try {
                    subAck = aliceClient.client().subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
                } catch (Mqtt5SubAckException e) {
                    subAck = e.getMqttMessage();
                }
                assertThat(subAck.getReasonCodes()).extracting(c -> c.getCode()).as("SUBACK for %s", filter)
                        .containsExactly(0x87);
                assertThat(subAck.getReasonString().map(MqttUtf8String::toString)).as("reason string for %s", filter)
                        .hasValueSatisfying(reason -> assertThat(reason).startsWith("forbidden: "));
                assertThat(aliceClient.isConnected()).as("alice after %s", filter).isTrue();
            }
            assertOwnInboxStillWorks(aliceClient, alice, bobClient, bob, carolClient, carol);
        }
    }

    @Test
    void mqtt311SubscriptionsToOtherInboxesGetFailureAndReadNothing() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.PahoV3 aliceClient = Clients.pahoV3(broker, alice);
                Clients.PahoV3 bobClient = Clients.pahoV3(broker, bob);
                Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            for (String filter : forbiddenFilters(bob)) {
                assertThat(aliceClient.subscribe(filter)).as("SUBACK for %s", filter).containsExactly(0x80);
                assertThat(aliceClient.isConnected()).as("alice after %s", filter).isTrue();
            }
            assertThat(aliceClient.connectionLost()).isEmpty();
            assertOwnInboxStillWorks(aliceClient, alice, bobClient, bob, carolClient, carol);
        }
    }

    /**
     * After the refused subscriptions: alice can subscribe to her own inbox; a message carol sends bob reaches bob and
     * not alice (carol's later message to alice arrives first and alone); alice receives her own mail.
     */
    private static void assertOwnInboxStillWorks(Clients.RelayClient aliceClient, RelayKeyPair alice,
            Clients.RelayClient bobClient, RelayKeyPair bob, Clients.RelayClient carolClient, RelayKeyPair carol)
            throws Exception {
        assertThat(aliceClient.subscribeInbox()).as("SUBACK of alice's own inbox").containsExactly(1);
        byte[] forBob = envelope(carol, bob, "for bob only");
        assertAccepted(carolClient.publishToInbox(Clients.keyId(bob), forBob));
        byte[] forAlice = envelope(carol, alice, "for alice");
        assertAccepted(carolClient.publishToInbox(Clients.keyId(alice), forAlice));

        assertThat(bobClient.awaitPayload(WAIT)).as("bob's inbox").isEqualTo(forBob);
        Clients.Received first = aliceClient.awaitMessage(WAIT);
        assertThat(first).as("alice's first message").isNotNull();
        assertThat(first.topic()).isEqualTo(Clients.inbox(alice));
        assertThat(first.payload()).as("alice gets her own message, not bob's").isEqualTo(forAlice);
        assertThat(aliceClient.messages()).as("nothing else for alice").isEmpty();
        assertThat(aliceClient.isConnected()).isTrue();
    }

    @Test
    void offlineBobsQueuedMessagesSurviveEverythingAliceTries() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        String bobId = Clients.keyId(bob);

        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
        } // graceful DISCONNECT: the 7-day session stays with its subscription

        List<byte[]> fromCarol = new ArrayList<>();
        try (Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            for (int i = 1; i <= 3; i++) {
                byte[] payload = envelope(carol, bob, "queued " + i);
                assertAccepted(carolClient.publishToInbox(bobId, payload));
                fromCarol.add(payload);
            }
        }

        // Alice tries everything while bob is away.
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            for (String filter : forbiddenFilters(bob)) {
                assertThat(aliceClient.subscribe(filter)).as("SUBACK for %s", filter).containsExactly(0x87);
            }
            IMqttToken unsubscribe = aliceClient.client().unsubscribe(Clients.inbox(bob));
            unsubscribe.waitForCompletion(WAIT.toMillis());

            MqttMessage wipe = new MqttMessage(new byte[0]);
            wipe.setQos(1);
            wipe.setRetained(true);
            IMqttToken publish = aliceClient.client().publish(Clients.inbox(bob), wipe);
            publish.waitForCompletion(WAIT.toMillis());
            assertThat(publish.getReasonCodes()).as("PUBACK of an empty retained publish to bob's inbox").hasSize(1);
            assertThat(publish.getReasonCodes()[0]).as("PUBACK of an empty retained publish to bob's inbox")
                    .isGreaterThanOrEqualTo(0x80);
            assertThat(aliceClient.isConnected()).isTrue();
            assertThat(aliceClient.messages()).as("alice read nothing").isEmpty();
        }
        assertThat(Clients.pahoV5ConnectReasonCode(broker, bobId, Clients.keyId(alice),
                Clients.token(alice, broker.realm()))).as("alice with bob's client id, clean start").isEqualTo(0x85);
        assertThat(Clients.pahoV3ConnectReturnCode(broker, bobId, Clients.keyId(alice),
                Clients.token(alice, broker.realm()))).as("alice with bob's client id, MQTT 3.1.1 clean session")
                .isEqualTo(2);

        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
            assertThat(bobClient.sessionPresent()).as("bob's session is still there").isTrue();
            List<byte[]> received = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] payload = bobClient.awaitPayload(WAIT);
                assertThat(payload).as("queued message %d of 3", i + 1).isNotNull();
                received.add(payload);
            }
            assertThat(received).containsExactlyElementsOf(fromCarol);

            // Nothing else waits: a new subscribe hands out no retained message and carol's next message is next.
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            byte[] control = envelope(carol, bob, "control");
            try (Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
                assertAccepted(carolClient.publishToInbox(bobId, control));
            }
            assertThat(bobClient.awaitPayload(WAIT)).as("bob's next message after the queued ones").isEqualTo(control);
            List<byte[]> all = new ArrayList<>();
            Clients.Received message;
            while ((message = bobClient.messages().poll()) != null) {
                all.add(message.payload());
            }
            assertThat(all).as("everything bob received, in order")
                    .containsExactly(fromCarol.get(0), fromCarol.get(1), fromCarol.get(2), control);
        }
    }

    @Test
    void publishOutsideTheNamespaceIsForbiddenOnMqtt5() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.PahoV5 pahoAlice = Clients.pahoV5(broker, alice);
                Clients.HiveMqV5 hivemqAlice = Clients.hivemqV5(broker, Clients.keyId(alice) + ".hmq",
                        Clients.keyId(alice), Clients.token(alice, broker.realm()), true);
                Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            assertThat(pahoAlice.subscribeInbox()).containsExactly(1);
            for (Clients.RelayClient client : List.<Clients.RelayClient>of(pahoAlice, hivemqAlice)) {
                Clients.PublishResult result = client.publish("sensors/kitchen",
                        "21.5".getBytes(StandardCharsets.UTF_8));
                assertThat(result.acknowledged()).as("%s: %s", client.clientId(), result).isTrue();
                assertThat(result.reasonCode()).as("%s: %s", client.clientId(), result).isEqualTo(0x87);
                assertThat(result.reasonString()).as("%s: %s", client.clientId(), result).startsWith("forbidden: ");
                assertThat(client.isConnected()).as("%s after the refusal", client.clientId()).isTrue();
            }
            // Refused in the PUBACK, so no error envelope: carol's control message is the first thing in the inbox.
            byte[] control = envelope(carol, alice, "control");
            assertAccepted(carolClient.publishToInbox(Clients.keyId(alice), control));
            assertThat(pahoAlice.awaitPayload(WAIT)).as("alice's first inbox message").isEqualTo(control);
        }
    }

    @Test
    void publishOutsideTheNamespaceOnMqtt311KeepsTheConnectionAndSendsAnErrorEnvelope() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        try (Clients.PahoV3 aliceClient = Clients.pahoV3(broker, alice)) {
            assertThat(aliceClient.subscribeInbox()).containsExactly(1);
            Clients.PublishResult result = aliceClient.publish("sensors/kitchen",
                    "21.5".getBytes(StandardCharsets.UTF_8));
            assertThat(result.acknowledged()).as("%s", result).isTrue();

            Clients.Received received = aliceClient.awaitMessage(WAIT);
            assertThat(received).as("error envelope in alice's inbox").isNotNull();
            assertThat(received.topic()).isEqualTo(Clients.inbox(alice));
            Envelope error = Envelope.parse(received.payload());
            assertThat(error.kind()).isEqualTo(Kind.ERROR);
            assertThat(error.to()).isEqualTo(Clients.keyId(alice));
            assertThat(error.from()).as("signed by the relay").isEqualTo(relayKeyId);
            assertThat(error.verify().toString()).as("signature verifies with the relay key").isEqualTo(relayKeyId);
            JsonNode body = Json.MAPPER.readTree(error.body());
            assertThat(body.path("code").asText()).isEqualTo("forbidden");

            assertThat(aliceClient.isConnected()).as("alice after the refusal").isTrue();
            assertThat(aliceClient.connectionLost()).isEmpty();
            // The connection really works: a note to self arrives next.
            byte[] note = envelope(alice, alice, "still here");
            assertAccepted(aliceClient.publishToInbox(Clients.keyId(alice), note));
            assertThat(aliceClient.awaitPayload(WAIT)).isNotNull(); // the error envelope (payloads() is separate)
            assertThat(aliceClient.awaitPayload(WAIT)).as("note to self after the error").isEqualTo(note);
        }
    }

    @Test
    void unsubscribeByAliceOfBobsInboxLeavesBobSubscribed() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob);
                Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice);
                Clients.PahoV3 aliceV3 = Clients.pahoV3(broker.serverUri(), Clients.keyId(alice) + ".v3",
                        Clients.keyId(alice), Clients.token(alice, broker.realm()), true);
                Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            for (String filter : List.of(Clients.inbox(bob), "relay/v1/inbox/+", "relay/v1/inbox/#", "#",
                    "$share/g/relay/v1/inbox/" + Clients.keyId(bob))) {
                IMqttToken token = aliceClient.client().unsubscribe(filter);
                token.waitForCompletion(WAIT.toMillis());
                aliceV3.client().unsubscribe(filter).waitForCompletion(WAIT.toMillis());
            }
            assertThat(aliceClient.isConnected()).isTrue();

            byte[] forBob = envelope(carol, bob, "after alice's unsubscribe");
            assertAccepted(carolClient.publishToInbox(Clients.keyId(bob), forBob));
            assertThat(bobClient.awaitPayload(WAIT)).as("bob still receives").isEqualTo(forBob);
            assertThat(bobClient.isConnected()).isTrue();
            assertThat(aliceClient.messages()).isEmpty();
        }
    }

    private static void assertAccepted(Clients.PublishResult result) {
        assertThat(result.accepted()).as("PUBACK %s", result).isTrue();
    }

    private static byte[] envelope(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).body(text).sign(from).toJson();
    }
}
