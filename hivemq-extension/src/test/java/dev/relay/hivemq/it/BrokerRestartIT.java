package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The harness' restart on the same folders and port, with the other two client helpers: a message queued for an
 * offline persistent session (HiveMQ MQTT client) survives a broker restart, and so does the session itself.
 */
class BrokerRestartIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String IN_FLIGHT_BODY = "aW4gZmxpZ2h0"; // base64url of "in flight"
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

    /**
     * HiveMQ CE stalls a persistent session whose in-flight QoS 1 message (sent, not acknowledged) expired while the
     * broker was down: it delivers nothing to it again. Relay gives HiveMQ a long expiry and enforces the TTL itself
     * at delivery, so the expired message is dropped and the next one arrives (found by the crash harness).
     */
    @Test
    void aMessageInFlightWhoseTtlRunsOutDuringARestartDoesNotStallTheSession() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        BlockingQueue<byte[]> first = new LinkedBlockingQueue<>();
        MqttAsyncClient unacknowledging = bobWithManualAcks(bob, first);
        byte[] expiring = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).expiresIn(2L).body("in flight").sign(alice)
                .toJson();
        try (Clients.PahoV3 aliceClient = Clients.pahoV3(broker, alice)) {
            assertThat(aliceClient.publishToInbox(Clients.keyId(bob), expiring).accepted()).isTrue();
        }
        assertThat(first.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("in flight, never acknowledged")
                .isEqualTo(expiring);

        broker.restart();
        unacknowledging.close(true);
        Thread.sleep(2_500); // the TTL runs out while bob is away

        BlockingQueue<byte[]> after = new LinkedBlockingQueue<>();
        MqttAsyncClient bobAgain = bobWithManualAcks(bob, after);
        try {
            byte[] next = envelope(alice, bob, "after the restart");
            try (Clients.PahoV3 aliceClient = Clients.pahoV3(broker, alice)) {
                assertThat(aliceClient.publishToInbox(Clients.keyId(bob), next).accepted()).isTrue();
            }
            assertThat(after.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the session still delivers")
                    .isEqualTo(next);
        } finally {
            bobAgain.disconnect().waitForCompletion(5_000);
            bobAgain.close(true);
        }
    }

    /** Bob's persistent session with Paho v5, acknowledging every message except the first one ever received. */
    private static MqttAsyncClient bobWithManualAcks(RelayKeyPair bob, BlockingQueue<byte[]> received)
            throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(broker.serverUri(), Clients.keyId(bob), new MemoryPersistence());
        client.setManualAcks(true);
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) throws MqttException {
                boolean keepInFlight = received.isEmpty() && message.getPayload().length > 0
                        && new String(message.getPayload(), StandardCharsets.UTF_8).contains(IN_FLIGHT_BODY);
                received.add(message.getPayload());
                if (!keepInFlight) {
                    client.messageArrivedComplete(message.getId(), message.getQos());
                }
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(3600L);
        options.setUserName(Clients.keyId(bob));
        options.setPassword(Clients.token(bob, broker.realm()).getBytes(StandardCharsets.US_ASCII));
        client.connect(options).waitForCompletion(WAIT.toMillis());
        client.subscribe(new MqttSubscription(Addressing.mqttInbox(Clients.keyId(bob)), 1))
                .waitForCompletion(WAIT.toMillis());
        return client;
    }

    private static byte[] envelope(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).body(text).sign(from).toJson();
    }
}
