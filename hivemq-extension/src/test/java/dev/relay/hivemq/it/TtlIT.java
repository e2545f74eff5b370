package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §6 on a real HiveMQ with the deployed extension: the MQTT 5 message expiry an inbox message arrives with
 * (default, clamp, short TTL), and that an envelope whose TTL ran out while it waited (HiveMQ's offline queue for a
 * persistent session, or the relay's parking for a never-connected recipient) is never delivered. Absence is shown
 * with a later control envelope from the same sender, which must arrive first.
 *
 * <p>The broker's {@code <message-expiry><max-interval>} is set to 60 days here (the harness default is 30), so the
 * clamp test sees the relay's clamp rather than HiveMQ's.
 */
class TtlIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long DEFAULT_TTL = 604_800L;
    private static final long MAX_TTL = 2_592_000L;
    /** Time for a 2-second TTL to run out, with margin. */
    private static final long EXPIRY_WAIT_MILLIS = 4_000L;
    private static RelayHiveMQ broker;

    @BeforeAll
    static void startBroker() {
        // HiveMQ's own expiry ceiling above SPEC's 30 days, so that the 30-day clamp seen by the client is the relay's.
        broker = RelayHiveMQ.builder().messageExpiryMaxSeconds(2 * MAX_TTL).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void defaultTtlIsSevenDays() throws Exception {
        Clients.Received received = sendToOnlineRecipient(null);
        assertThat(received.messageExpiryInterval()).as("MQTT 5 message expiry without expires_in")
                .isNotNull().isBetween(DEFAULT_TTL - 10, DEFAULT_TTL);
    }

    @Test
    void ninetyDaysIsClampedToThirty() throws Exception {
        Clients.Received received = sendToOnlineRecipient(Duration.ofDays(90).toSeconds());
        assertThat(received.messageExpiryInterval()).as("MQTT 5 message expiry for expires_in = 90 days")
                .isNotNull().isBetween(MAX_TTL - 10, MAX_TTL);
        // The envelope itself is unchanged: it still says 90 days (SPEC §6.2).
        assertThat(Envelope.parse(received.payload()).expiresIn()).isEqualTo(Duration.ofDays(90).toSeconds());
    }

    @Test
    void sixtySecondsStaysSixty() throws Exception {
        Clients.Received received = sendToOnlineRecipient(60L);
        assertThat(received.messageExpiryInterval()).as("MQTT 5 message expiry for expires_in = 60")
                .isNotNull().isBetween(50L, 60L);
    }

    @Test
    void envelopeExpiringInAnOfflineSessionIsNotDelivered() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
        } // graceful DISCONNECT: the 7-day session and its subscription stay

        Envelope shortLived;
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            shortLived = envelope(alice, bob, "lives 2 s", 2L);
            assertAccepted(aliceClient.publishToInbox(Clients.keyId(bob), shortLived.toJson()));
            Thread.sleep(EXPIRY_WAIT_MILLIS); // the TTL must run out while bob is away: this wait is the test
            Envelope control = envelope(alice, bob, "default TTL control", null);
            assertAccepted(aliceClient.publishToInbox(Clients.keyId(bob), control.toJson()));

            try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob)) {
                assertThat(bobClient.sessionPresent()).as("bob's session was kept").isTrue();
                byte[] first = bobClient.awaitPayload(WAIT);
                assertThat(first).as("first payload bob gets on reconnect").isNotNull();
                assertThat(Envelope.parse(first).id()).as("id of the first envelope (expired one is %s)",
                        shortLived.id()).isEqualTo(control.id());
                assertThat(bobClient.payloads()).as("nothing else was queued").isEmpty();
            }
        }
    }

    @Test
    void parkedEnvelopeExpiresBeforeTheRecipientFirstConnects() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate(); // never connected: the relay parks what comes for her
        Envelope shortLived = envelope(alice, carol, "parked, lives 2 s", 2L);
        Envelope control = envelope(alice, carol, "parked, default TTL", null);
        try (Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            assertAccepted(aliceClient.publishToInbox(Clients.keyId(carol), shortLived.toJson()));
            assertAccepted(aliceClient.publishToInbox(Clients.keyId(carol), control.toJson()));
        }
        Thread.sleep(EXPIRY_WAIT_MILLIS); // the TTL must run out while parked: this wait is the test

        try (Clients.PahoV5 carolClient = Clients.pahoV5(broker, carol)) {
            assertThat(carolClient.sessionPresent()).as("carol had no session").isFalse();
            assertThat(carolClient.subscribeInbox()).containsExactly(1);
            Clients.Received first = carolClient.awaitMessage(WAIT);
            assertThat(first).as("first message carol gets").isNotNull();
            assertThat(Envelope.parse(first.payload()).id()).as("id of the first envelope (expired one is %s)",
                    shortLived.id()).isEqualTo(control.id());
            assertThat(first.messageExpiryInterval()).as("expiry of the parked control")
                    .isNotNull().isBetween(DEFAULT_TTL - 30, DEFAULT_TTL);
            List<Clients.Received> rest = new ArrayList<>();
            carolClient.messages().drainTo(rest);
            assertThat(rest).as("anything after the control").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** alice sends bob (connected, subscribed) one envelope with {@code expiresIn}; returns what bob received. */
    private static Clients.Received sendToOnlineRecipient(Long expiresIn) throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob);
                Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
            Envelope sent = envelope(alice, bob, "ttl " + expiresIn, expiresIn);
            assertAccepted(aliceClient.publishToInbox(Clients.keyId(bob), sent.toJson()));
            Clients.Received received = bobClient.awaitMessage(WAIT);
            assertThat(received).as("bob's message").isNotNull();
            assertThat(received.payload()).isEqualTo(sent.toJson());
            return received;
        }
    }

    private static Envelope envelope(RelayKeyPair from, RelayKeyPair to, String text, Long expiresIn)
            throws RelayException {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").expiresIn(expiresIn)
                .body(text).sign(from);
    }

    private static void assertAccepted(Clients.PublishResult result) {
        assertThat(result.acknowledged()).as("acknowledged: %s", result).isTrue();
        assertThat(result.reasonCode()).as("PUBACK reason code: %s", result).isEqualTo(0x00);
    }
}
