package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.tck.RelayBinding;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's path: a standalone Artemis instance from the distribution, the shaded jar in lib/ and the snippets
 * merged into etc/, started as its own process; real AMQP and MQTT clients talk to it.
 */
class DeploymentIT {
    private static StandaloneArtemis broker;

    @BeforeAll
    static void start() throws Exception {
        broker = StandaloneArtemis.create();
        broker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static ArtemisClient connect(ArtemisBinding.Protocol protocol, RelayKeyPair key) throws Exception {
        return new ArtemisBinding(broker, protocol).connect(key);
    }

    private static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    @Test
    void anAmqpAgentReachesAnOfflineMqttDeviceAndTheDeviceAnswers() throws Exception {
        RelayKeyPair agent = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        Envelope command = message(agent, device, "on");
        try (ArtemisClient amqp = connect(ArtemisBinding.Protocol.AMQP, agent)) {
            amqp.subscribeOwnInbox();
            assertThat(amqp.publishToInbox(device.keyId().toString(), command.toJson()).refused()).isFalse();
            try (ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT5, device)) {
                mqtt.subscribeOwnInbox();
                byte[] arrived = mqtt.receive(Duration.ofSeconds(10));
                assertThat(arrived).isEqualTo(command.toJson());
                assertThat(Envelope.parse(arrived).verify()).isEqualTo(agent.keyId());
                Envelope reply = message(device, agent, "fan is on");
                assertThat(mqtt.publishToInbox(agent.keyId().toString(), reply.toJson()).refused()).isFalse();
                assertThat(amqp.receive(Duration.ofSeconds(10))).isEqualTo(reply.toJson());
            }
        }
    }

    @Test
    void theRelayRefusesWhatItShouldAndTheTokenIsSingleUse() throws Exception {
        RelayKeyPair mallory = RelayKeyPair.generate();
        RelayKeyPair victim = RelayKeyPair.generate();
        String token = ArtemisBinding.token(broker, mallory);
        // The plugin jar's SASL PLAIN is the one the instance uses: an authzid naming the victim is refused, unchecked.
        assertThat(SaslPlainExchange.outcome(broker, victim.keyId().toString(), mallory.keyId().toString(), token))
                .isEqualTo(SaslPlainExchange.AUTH);
        try (ArtemisClient amqp = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP)
                .connect(mallory, mallory.keyId().toString(), token)) {
            RelayBinding.Sent forged = amqp.publishToInbox(victim.keyId().toString(),
                    message(victim, victim, "not from mallory").toJson());
            assertThat(forged.refused()).isTrue();
            assertThat(forged.reasonString()).startsWith("sender_mismatch:");
            assertThat(amqp.tryConsume("relay.v1.inbox." + victim.keyId())).isFalse();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ArtemisBinding(broker,
                ArtemisBinding.Protocol.MQTT311).connect(mallory, mallory.keyId().toString(), token))
                .isInstanceOf(RelayBinding.ConnectRefusedException.class);
    }

    /** 300 refused AMQP sends leave a few dozen log lines, none with a stack trace (log4j2 snippet + relay log limit). */
    @Test
    void aSpamAttackDoesNotFloodTheBrokerLog() throws Exception {
        RelayKeyPair spammer = RelayKeyPair.generate();
        RelayKeyPair victim = RelayKeyPair.generate();
        long linesBefore = broker.brokerLog().lines().count();
        try (ArtemisClient amqp = connect(ArtemisBinding.Protocol.AMQP, spammer)) {
            for (int i = 0; i < 300; i++) {
                assertThat(amqp.publishToInbox(victim.keyId().toString(), ("spam " + i).getBytes()).refused()).isTrue();
            }
            assertThat(amqp.isConnected()).isTrue();
        }
        String log = broker.brokerLog();
        long newLines = log.lines().count() - linesBefore;
        assertThat(newLines).as("log lines for 300 refused sends").isLessThan(80);
        assertThat(log).doesNotContain("at org.apache.activemq.artemis.protocol.amqp");
    }
}
