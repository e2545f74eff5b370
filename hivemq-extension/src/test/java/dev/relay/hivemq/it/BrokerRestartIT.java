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
 * The harness' restart on the same folders and port, with the other two client helpers: a message queued for an
 * offline persistent session (HiveMQ MQTT client) survives a broker restart, and so does the session itself.
 */
class BrokerRestartIT {
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

    @Test
    void queuedMessageAndSessionSurviveRestart() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        int port = broker.port();

        try (Clients.HiveMqV5 bobClient = Clients.hivemqV5(broker, bob)) {
            assertThat(bobClient.subscribeInbox()).containsExactly(1);
        } // graceful DISCONNECT: the 7-day session stays

        byte[] beforeRestart = envelope(alice, bob, "sent before the restart");
        try (Clients.PahoV3 aliceClient = Clients.pahoV3(broker, alice)) {
            Clients.PublishResult result = aliceClient.publishToInbox(Clients.keyId(bob), beforeRestart);
            assertThat(result.accepted()).as("%s", result).isTrue();
        }

        broker.restart();
        assertThat(broker.port()).isEqualTo(port);

        byte[] afterRestart = envelope(alice, bob, "sent after the restart");
        try (Clients.PahoV3 aliceClient = Clients.pahoV3(broker, alice)) {
            Clients.PublishResult result = aliceClient.publishToInbox(Clients.keyId(bob), afterRestart);
            assertThat(result.accepted()).as("%s", result).isTrue();
        }

        try (Clients.HiveMqV5 bobClient = Clients.hivemqV5(broker, bob)) {
            assertThat(bobClient.connAck().isSessionPresent()).as("bob's session after the restart").isTrue();
            List<byte[]> received = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                byte[] payload = bobClient.awaitPayload(WAIT);
                assertThat(payload).as("message %d of 2 for bob", i + 1).isNotNull();
                received.add(payload);
            }
            assertThat(received).containsExactly(beforeRestart, afterRestart);
        }
    }

    private static byte[] envelope(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).body(text).sign(from).toJson();
    }
}
