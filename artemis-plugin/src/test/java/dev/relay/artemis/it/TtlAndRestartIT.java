package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.utils.collections.LinkedListIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TTL as broker expiration (default 7 days, clamp 30 days), expiry to relay.v1.expired, and the journal across restarts. */
class TtlAndRestartIT {
    private static final long DAY_MS = 24L * 3600 * 1000;
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

    private static Envelope.Builder to(RelayKeyPair recipient, String text) {
        return Envelope.builder(Kind.MESSAGE).to(recipient.keyId()).contentType("text/plain").body(text);
    }

    private static List<Long> expirations(RelayKeyPair recipient) throws Exception {
        Queue queue = broker.server().locateQueue("relay.v1.inbox." + recipient.keyId());
        List<Long> expirations = new ArrayList<>();
        try (LinkedListIterator<MessageReference> refs = queue.browserIterator()) {
            while (refs.hasNext()) {
                expirations.add(refs.next().getMessage().getExpiration());
            }
        }
        return expirations;
    }

    @Test
    void withoutExpiresInAnEnvelopeLivesSevenDaysAndLongerOnesAreClampedToThirty() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        long before = System.currentTimeMillis();
        try (ArtemisClient amqp = connect(ArtemisBinding.Protocol.AMQP, sender);
             ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT5, sender)) {
            assertThat(amqp.publishToInbox(recipient.keyId().toString(), to(recipient, "default").sign(sender).toJson())
                    .refused()).isFalse();
            assertThat(mqtt.publishToInbox(recipient.keyId().toString(),
                    to(recipient, "forty days").expiresIn(40L * 24 * 3600).sign(sender).toJson()).refused()).isFalse();
        }
        long after = System.currentTimeMillis();
        List<Long> expirations = expirations(recipient);
        assertThat(expirations).hasSize(2);
        assertThat(expirations.get(0)).isBetween(before - 1000 + 7 * DAY_MS, after + 7 * DAY_MS);
        assertThat(expirations.get(1)).isBetween(before - 1000 + 30 * DAY_MS, after + 30 * DAY_MS);
    }

    @Test
    void anExpiredEnvelopeIsNeverDeliveredAndMovesToTheExpiryAddress() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        long expiredBefore = broker.plugin().metrics().expiredCount();
        long parkedInExpiry = broker.server().locateQueue("relay.v1.expired").getMessageCount();
        try (ArtemisClient stomp = connect(ArtemisBinding.Protocol.STOMP, sender)) {
            assertThat(stomp.publishToInbox(device.keyId().toString(),
                    to(device, "too late").expiresIn(1L).sign(sender).toJson()).refused()).isFalse();
        }
        Thread.sleep(2_500); // past the TTL; the broker's expiry scan runs every 200 ms here
        try (ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT311, device)) {
            mqtt.subscribeOwnInbox();
            assertThat(mqtt.receive(Duration.ofSeconds(1))).isNull();
        }
        assertThat(broker.server().locateQueue("relay.v1.expired").getMessageCount()).isEqualTo(parkedInExpiry + 1);
        assertThat(broker.plugin().metrics().expiredCount()).isEqualTo(expiredBefore + 1);
    }

    /** SPEC §6.3 at delivery: with no expiry scan to move it away, an expired envelope is still never handed over. */
    @Test
    void anExpiredEnvelopeIsNotDeliveredEvenWhileItWaitsInTheInbox() throws Exception {
        try (RelayArtemis unscanned = RelayArtemis.start(Map.of(), config -> config.setMessageExpiryScanPeriod(-1))) {
            RelayKeyPair sender = RelayKeyPair.generate();
            RelayKeyPair device = RelayKeyPair.generate();
            Envelope live = to(device, "in time").sign(sender);
            try (ArtemisClient stomp = new ArtemisBinding(unscanned, ArtemisBinding.Protocol.STOMP).connect(sender)) {
                assertThat(stomp.publishToInbox(device.keyId().toString(),
                        to(device, "too late").expiresIn(1L).sign(sender).toJson()).refused()).isFalse();
                Thread.sleep(2_500); // past the TTL, still in the inbox queue
                assertThat(stomp.publishToInbox(device.keyId().toString(), live.toJson()).refused()).isFalse();
            }
            try (ArtemisClient mqtt = new ArtemisBinding(unscanned, ArtemisBinding.Protocol.MQTT311).connect(device)) {
                mqtt.subscribeOwnInbox();
                assertThat(mqtt.receive(Duration.ofSeconds(10))).as("the first message handed over").isEqualTo(live.toJson());
                assertThat(mqtt.receive(Duration.ofMillis(500))).isNull();
            }
        }
    }

    @Test
    void queuedMessagesSurviveABrokerRestart() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair device = RelayKeyPair.generate();
        Envelope waiting = to(device, "survives").sign(sender);
        try (ArtemisClient amqp = connect(ArtemisBinding.Protocol.AMQP, sender)) {
            assertThat(amqp.publishToInbox(device.keyId().toString(), waiting.toJson()).refused()).isFalse();
        }
        broker.restart();
        try (ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT5, device)) {
            mqtt.subscribeOwnInbox();
            assertThat(mqtt.receive(Duration.ofSeconds(10))).isEqualTo(waiting.toJson());
        }
        // The relay store came back too: the same token cannot be used again after the restart.
        RelayKeyPair someone = RelayKeyPair.generate();
        String token = ArtemisBinding.token(broker, someone);
        new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(someone, someone.keyId().toString(), token)
                .close();
        broker.restart();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP)
                .connect(someone, someone.keyId().toString(), token))
                .isInstanceOf(dev.relay.tck.RelayBinding.ConnectRefusedException.class);
    }
}
