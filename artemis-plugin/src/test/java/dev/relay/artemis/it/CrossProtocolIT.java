package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.tck.RelayBinding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One inbox per identity whatever the protocol: envelopes cross AMQP, MQTT and STOMP byte for byte and verify at the
 * recipient, and an offline device gets what waited for it, once and in order.
 */
class CrossProtocolIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static RelayArtemis broker;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static ArtemisClient connect(ArtemisBinding.Protocol protocol, RelayKeyPair key) throws Exception {
        return new ArtemisBinding(broker, protocol).connect(key);
    }

    private static Envelope envelope(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    @Test
    void anAmqpAgentCommandsAnOfflineMqtt311DeviceThatConnectsLaterAndGetsEachCommandOnceInOrder() throws Exception {
        RelayKeyPair agent = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        try (ArtemisClient first = connect(ArtemisBinding.Protocol.MQTT311, device)) {
            first.subscribeOwnInbox(); // the device's persistent session exists, then it goes offline
        }
        List<Envelope> commands = new ArrayList<>();
        try (ArtemisClient amqp = connect(ArtemisBinding.Protocol.AMQP, agent)) {
            for (int i = 0; i < 5; i++) {
                Envelope command = envelope(agent, device, "fan speed " + i);
                commands.add(command);
                assertThat(amqp.publishToInbox(device.keyId().toString(), command.toJson()).refused()).isFalse();
            }
        }
        assertThat(broker.queued(device.keyId().toString())).isEqualTo(5);
        try (ArtemisClient back = connect(ArtemisBinding.Protocol.MQTT311, device)) {
            back.subscribeOwnInbox();
            for (Envelope command : commands) {
                byte[] arrived = back.receive(WAIT);
                assertThat(arrived).as("command %s", command.id()).isEqualTo(command.toJson());
                assertThat(Envelope.parse(arrived).verify()).isEqualTo(agent.keyId());
            }
            assertThat(back.receive(Duration.ofMillis(500))).as("nothing twice").isNull();
        }
    }

    @Test
    void anMqtt5DeviceReportsToAnAmqpAgent() throws Exception {
        RelayKeyPair agent = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        try (ArtemisClient amqp = connect(ArtemisBinding.Protocol.AMQP, agent);
             ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT5, device)) {
            amqp.subscribeOwnInbox();
            Envelope reading = envelope(device, agent, "{\"temperature\":21.5}");
            assertThat(mqtt.publishToInbox(agent.keyId().toString(), reading.toJson()).refused()).isFalse();
            byte[] arrived = amqp.receive(WAIT);
            assertThat(arrived).isEqualTo(reading.toJson());
            assertThat(Envelope.parse(arrived).verify()).isEqualTo(device.keyId());
        }
    }

    @Test
    void aStompClientWritesToAnMqtt5Device() throws Exception {
        RelayKeyPair app = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        try (ArtemisClient stomp = connect(ArtemisBinding.Protocol.STOMP, app);
             ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT5, device)) {
            mqtt.subscribeOwnInbox();
            Envelope hello = envelope(app, device, "hello device");
            RelayBinding.Sent sent = stomp.publishToInbox(device.keyId().toString(), hello.toJson());
            assertThat(sent.refused()).as("%s", sent.reasonString()).isFalse();
            byte[] arrived = mqtt.receive(WAIT);
            assertThat(arrived).isEqualTo(hello.toJson());
            KeyId signer = Envelope.parse(arrived).verify();
            assertThat(signer).isEqualTo(app.keyId());
        }
    }

    @Test
    void aNeverConnectedRecipientHasADurableInboxAsSoonAsSomeoneWritesToIt() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair stranger = RelayKeyPair.generate();
        try (ArtemisClient stomp = connect(ArtemisBinding.Protocol.STOMP, sender)) {
            assertThat(stomp.publishToInbox(stranger.keyId().toString(), envelope(sender, stranger, "hi").toJson())
                    .refused()).isFalse();
        }
        var queue = broker.server().locateQueue("relay.v1.inbox." + stranger.keyId());
        assertThat(queue.isDurable()).isTrue();
        assertThat(queue.getRoutingType()).hasToString("ANYCAST");
        // Artemis counts a routed message once its delivery executor ran, which can trail the RECEIPT under load.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queue.getMessageCount() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(queue.getMessageCount()).isEqualTo(1);
    }
}
