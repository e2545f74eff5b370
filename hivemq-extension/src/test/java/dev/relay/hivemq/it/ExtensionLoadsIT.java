package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.nio.file.Files;
import java.time.Duration;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Smoke test of the deployable zip: HiveMQ loads it, authenticates with connect tokens and delivers envelopes. */
class ExtensionLoadsIT {
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
    void extensionIsStartedFromTheZip() {
        assertThat(broker.extensionFolder().resolve("hivemq-extension.xml")).isRegularFile();
        assertThat(broker.logLines()).anySatisfy(line ->
                assertThat(line).contains("xtension \"Relay\" version").contains("started successfully"));
        assertThat(broker.logLines()).noneSatisfy(line ->
                assertThat(line).containsAnyOf("will be disabled", "more than one implementation"));
        assertThat(Files.isDirectory(broker.relayDataFolder()))
                .as("the extension's data folder %s", broker.relayDataFolder()).isTrue();
    }

    @Test
    void validTokenConnects() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (Clients.PahoV5 client = Clients.pahoV5(broker, key)) {
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void garbagePasswordIsRefusedWithBadUsernameOrPassword() {
        RelayKeyPair key = RelayKeyPair.generate();
        String keyId = Clients.keyId(key);
        assertThatThrownBy(() -> Clients.pahoV5(broker.serverUri(), keyId, keyId, "not-a-token", false))
                .isInstanceOfSatisfying(MqttException.class, e ->
                        assertThat(e.getReasonCode()).as("CONNACK reason code").isEqualTo(Clients.BAD_USERNAME_OR_PASSWORD));
    }

    @Test
    void envelopeFromAliceReachesBobByteForByte() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Clients.PahoV5 bobClient = Clients.pahoV5(broker, bob);
                Clients.PahoV5 aliceClient = Clients.pahoV5(broker, alice)) {
            assertThat(bobClient.subscribeInbox()).as("SUBACK of bob's own inbox").containsExactly(1);

            byte[] payload = Envelope.builder(Kind.MESSAGE)
                    .to(bob.keyId())
                    .contentType("text/plain")
                    .body("hello bob")
                    .sign(alice)
                    .toJson();
            Clients.PublishResult result = aliceClient.publishToInbox(Clients.keyId(bob), payload);
            assertThat(result.accepted()).as("PUBACK %s", result).isTrue();

            byte[] received = bobClient.awaitPayload(WAIT);
            assertThat(received).as("bob's inbox").isNotNull().isEqualTo(payload);
            assertThat(Envelope.parse(received).verify()).isEqualTo(alice.keyId());
        }
    }
}
