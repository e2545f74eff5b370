package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Store and forward (SPEC §2.7, §6.4): envelopes wait for recipients that are offline with a persistent session
 * (HiveMQ queues them) and for recipients that never connected (the extension parks them in the relay store), survive
 * a broker restart, are delivered once each in order, and the parking bound answers {@code queue_full}.
 *
 * <p>One broker for the class, with {@code relay.parking.max-per-recipient=3}: every test except the bound test parks
 * at most 3 envelopes per recipient. Every test uses fresh identities. Absence is proven with a later control
 * envelope from the same sender (an inbox is FIFO per sender): the control must be the next thing that arrives.
 */
class StoreAndForwardIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MAX_PARKED = 3;
    private static RelayHiveMQ broker;

    @BeforeAll
    static void startBroker() {
        broker = RelayHiveMQ.builder()
                .property("relay.parking.max-per-recipient", Integer.toString(MAX_PARKED))
                .start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void offlineRecipientWithSessionGetsQueuedEnvelopesOnceInOrder() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
            assertThat(bobClient.subscribeInbox()).as("SUBACK of bob's inbox").containsExactly(1);
        } // graceful DISCONNECT: clean start false + 7-day session expiry keeps the session and its subscription

        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            List<byte[]> sent = sendAll(aliceClient, alice, bob, 3, "queued while bob is away");

            try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
                assertThat(bobClient.sessionPresent()).as("bob's session is still there").isTrue();
                // No new SUBSCRIBE: the session's subscription delivers the queue.
                assertReceivesExactly(bobClient, sent, alice);
                assertControlIsNext(aliceClient, alice, bob, bobClient);
            }
        }
    }

    @Test
    void neverConnectedRecipientGetsParkedEnvelopesExactlyOnce() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair dave = RelayKeyPair.generate();
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            // dave has never connected: HiveMQ has no session to queue for, the relay parks (SPEC §6.4) and says 0x00.
            List<byte[]> sent = sendAll(aliceClient, alice, dave, 3, "parked for dave");

            try (Clients.PahoV5 daveClient = Clients.pahoV5(broker, dave)) {
                assertThat(daveClient.sessionPresent()).as("dave never had a session").isFalse();
                assertThat(daveClient.subscribeInbox()).as("SUBACK of dave's inbox").containsExactly(1);
                assertReceivesExactly(daveClient, sent, alice);
                assertControlIsNext(aliceClient, alice, dave, daveClient);
            }

            // Later: a new connection (fresh token) to the same session, and a new SUBSCRIBE (which hands over
            // whatever is parked): nothing of the three comes again.
            try (Clients.PahoV5 daveClient = Clients.pahoV5(broker, dave)) {
                assertThat(daveClient.sessionPresent()).as("dave's session from the first connection").isTrue();
                assertThat(daveClient.subscribeInbox()).containsExactly(1);
                assertControlIsNext(aliceClient, alice, dave, daveClient);
            }
        }
    }

    @Test
    void aOneShotSessionsNoteToItsOwnIdentityAlsoWaitsForTheIdentitysFirstLastingSession() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair frank = RelayKeyPair.generate();
        // frank's only session so far ends with its connection (session expiry 0), as a one-shot command's does, and
        // reads its inbox for the relay's answers.
        Clients.PahoV5 oneShot = new Clients.PahoV5(broker.serverUri(), Clients.keyId(frank) + ".oneshot");
        List<byte[]> note;
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            oneShot.connect(Clients.keyId(frank), Clients.token(frank, broker.realm()), true, 0L);
            assertThat(oneShot.subscribeInbox()).containsExactly(1);
            // Someone else's message goes to whoever reads now, as MQTT does for a clean session.
            List<byte[]> live = sendAll(aliceClient, alice, frank, 1, "for frank's one-shot session");
            assertReceivesExactly(oneShot, live, alice);

            // A note the one-shot session writes to its own identity reaches it too, but HiveMQ would keep nothing for
            // frank once it ends: the relay parks a copy.
            note = sendAll(oneShot, frank, frank, 1, "note to self");
            assertReceivesExactly(oneShot, note, frank);
        } finally {
            oneShot.close();
        }

        try (Clients.PahoV5 frankClient = Clients.pahoV5(broker, frank)) {
            assertThat(frankClient.sessionPresent()).isFalse();
            assertThat(frankClient.subscribeInbox()).containsExactly(1);
            assertReceivesExactly(frankClient, note, frank);
            assertControlIsNext(frankClient, frank, frank, frankClient);
        }
    }

    @Test
    void queuedAndParkedEnvelopesSurviveBrokerRestart() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();  // offline with a session: HiveMQ queues
        RelayKeyPair dave = RelayKeyPair.generate(); // never connected: the relay parks
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
        }
        List<byte[]> forBob;
        List<byte[]> forDave;
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            forBob = sendAll(aliceClient, alice, bob, 2, "queued for bob before the restart");
            forDave = sendAll(aliceClient, alice, dave, 2, "parked for dave before the restart");
        }

        int port = broker.port();
        broker.restart(); // same data folder (HiveMQ persistence and relay.db) and port
        assertThat(broker.port()).isEqualTo(port);

        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice);
                Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob);
                Clients.PahoV5 daveClient = Clients.pahoV5(broker, dave)) {
            assertThat(bobClient.sessionPresent()).as("bob's session after the restart").isTrue();
            assertReceivesExactly(bobClient, forBob, alice);

            assertThat(daveClient.sessionPresent()).isFalse();
            assertThat(daveClient.subscribeInbox()).containsExactly(1);
            assertReceivesExactly(daveClient, forDave, alice);

            assertControlIsNext(aliceClient, alice, bob, bobClient);
            assertControlIsNext(aliceClient, alice, dave, daveClient);
        }
    }

    @Test
    void parkingBoundRefusesWithQueueFullAndTheRefusedEnvelopeCanBeSentAgainLater() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair erin = RelayKeyPair.generate();
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            assertThat(aliceClient.subscribeInbox()).containsExactly(1);

            List<byte[]> accepted = sendAll(aliceClient, alice, erin, MAX_PARKED, "parked for erin");
            byte[] fourth = message(alice, erin, "one more than erin's parking holds");
            Clients.PublishResult refused = aliceClient.publishToInbox(Clients.keyId(erin), fourth);
            assertThat(refused.reasonCode()).as("PUBACK of the 4th envelope: %s", refused).isEqualTo(0x97);
            assertThat(refused.reasonString()).as("reason string of %s", refused).startsWith("queue_full: ");
            assertThat(aliceClient.isConnected()).as("a refused publish keeps the MQTT 5 connection").isTrue();

            try (Clients.PahoV5 erinClient = Clients.pahoV5(broker, erin)) {
                assertThat(erinClient.subscribeInbox()).containsExactly(1);
                assertReceivesExactly(erinClient, accepted, alice);
                // The refused 4th was not kept anywhere: the control is the next thing erin gets.
                assertControlIsNext(aliceClient, alice, erin, erinClient);

                // A refused envelope is not recorded (SPEC §3.7, §6.4): the same bytes again are a new acceptance,
                // not a duplicate (a duplicate would be acknowledged with 0x00 too, but never delivered).
                Clients.PublishResult again = aliceClient.publishToInbox(Clients.keyId(erin), fourth);
                assertThat(again.reasonCode()).as("PUBACK of the re-sent 4th envelope: %s", again).isEqualTo(0);
                byte[] received = erinClient.awaitPayload(WAIT);
                assertThat(received).as("the re-sent 4th envelope in erin's inbox").isNotNull().isEqualTo(fourth);
                assertThat(Envelope.parse(received).verify()).isEqualTo(alice.keyId());
                assertControlIsNext(aliceClient, alice, erin, erinClient);
            }

            // The refusal was signalled in the PUBACK, so no error envelope went into alice's inbox (SPEC §10.2):
            // a note alice sends herself is the first thing there.
            byte[] note = message(alice, alice, "note to self");
            assertThat(aliceClient.publishToInbox(Clients.keyId(alice), note).reasonCode()).isEqualTo(0);
            assertThat(aliceClient.awaitPayload(WAIT)).as("alice's own inbox").isEqualTo(note);
        }
    }

    @Test
    void mqtt311DeviceWithPersistentSessionGetsEnvelopesFromAnMqtt5SenderAfterReconnect() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        try (Clients.PahoV3 deviceClient = Clients.pahoV3(broker, device)) { // cleanSession=false
            assertThat(deviceClient.subscribeInbox()).as("MQTT 3.1.1 SUBACK (granted QoS)").containsExactly(1);
        }

        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            List<byte[]> sent = sendAll(aliceClient, alice, device, 2, "for the 3.1.1 device");

            try (Clients.PahoV3 deviceClient = Clients.pahoV3(broker, device)) {
                assertThat(deviceClient.sessionPresent()).as("the device's session").isTrue();
                assertReceivesExactly(deviceClient, sent, alice);
                assertControlIsNext(aliceClient, alice, device, deviceClient);
                assertThat(deviceClient.messages()).allSatisfy(m -> assertThat(m.qos()).isEqualTo(1));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static byte[] message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from).toJson();
    }

    /** Sends {@code count} envelopes, asserting PUBACK 0x00 for each; returns the bytes sent, in order. */
    private static List<byte[]> sendAll(Clients.RelayClient client, RelayKeyPair from, RelayKeyPair to, int count,
            String text) throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            byte[] payload = message(from, to, text + " #" + i);
            Clients.PublishResult result = client.publishToInbox(Clients.keyId(to), payload);
            assertThat(result.reasonCodes()).as("PUBACK of %s #%d: %s", text, i, result).containsExactly(0);
            sent.add(payload);
        }
        return sent;
    }

    /** The next {@code expected.size()} payloads are exactly {@code expected}, in order, each verifying as sender's. */
    private static void assertReceivesExactly(Clients.RelayClient client, List<byte[]> expected, RelayKeyPair sender)
            throws Exception {
        List<byte[]> received = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            byte[] payload = client.awaitPayload(WAIT);
            assertThat(payload).as("envelope %d of %d for %s", i + 1, expected.size(), client.clientId()).isNotNull();
            Envelope envelope = Envelope.parse(payload);
            assertThat(envelope.verify()).as("signer of envelope %d", i + 1).isEqualTo(sender.keyId());
            assertThat(envelope.to()).isEqualTo(Clients.keyIdOfClientId(client.clientId()));
            received.add(payload);
        }
        assertThat(received).as("envelopes for %s, in order", client.clientId()).containsExactlyElementsOf(expected);
    }

    /**
     * Sends a control envelope and asserts it is the very next payload: nothing (no duplicate, no refused envelope)
     * arrived before it from this sender. Also nothing is left behind it.
     */
    private static void assertControlIsNext(Clients.RelayClient senderClient, RelayKeyPair sender, RelayKeyPair to,
            Clients.RelayClient recipientClient) throws Exception {
        byte[] control = message(sender, to, "control " + System.nanoTime());
        Clients.PublishResult result = senderClient.publishToInbox(Clients.keyId(to), control);
        assertThat(result.reasonCodes()).as("PUBACK of the control: %s", result).containsExactly(0);
        byte[] next = recipientClient.awaitPayload(WAIT);
        assertThat(next).as("next payload for %s", recipientClient.clientId()).isNotNull();
        assertThat(Envelope.parse(next).body()).as("next payload for %s is the control", recipientClient.clientId())
                .isEqualTo(Envelope.parse(control).body());
        assertThat(recipientClient.payloads()).as("nothing after the control").isEmpty();
    }
}
