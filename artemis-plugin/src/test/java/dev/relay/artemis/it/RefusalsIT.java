package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.tck.RelayBinding;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Refusals the conformance kit does not cover, per protocol, with what each client sees (SPEC §10.9): the rate limit,
 * oversized envelopes, and the AMQP condition. Nothing refused is delivered, and the refused client stays usable.
 */
class RefusalsIT {
    private static RelayArtemis broker;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start(Map.of("relay.rate.sends-per-minute", "3", "relay.rate.burst", "3"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static ArtemisClient connect(ArtemisBinding.Protocol protocol, RelayKeyPair key) throws Exception {
        return new ArtemisBinding(broker, protocol).connect(key);
    }

    private static byte[] message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from).toJson();
    }

    /** Sends four times; the burst of three is allowed, the fourth is refused with rate_limited. */
    private static RelayBinding.Sent fourthSend(ArtemisClient client, RelayKeyPair sender, RelayKeyPair recipient)
            throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(client.publishToInbox(recipient.keyId().toString(), message(sender, recipient, "ok " + i))
                    .refused()).isFalse();
        }
        return client.publishToInbox(recipient.keyId().toString(), message(sender, recipient, "one too many"));
    }

    @Test
    void amqpRateLimitIsRejectedWithRetryAfterAndTheSenderKeepsItsCredit() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        try (AmqpClient amqp = (AmqpClient) connect(ArtemisBinding.Protocol.AMQP, sender)) {
            RelayBinding.Sent refused = fourthSend(amqp, sender, recipient);
            assertThat(refused.refused()).isTrue();
            assertThat(refused.reasonString()).startsWith("rate_limited: retry_after=");
            assertThat(amqp.lastCondition()).isEqualTo("failed");
            for (int i = 0; i < 20; i++) { // still refused, never stuck waiting for credit
                assertThat(amqp.publishToInbox(recipient.keyId().toString(), message(sender, recipient, "more"))
                        .reasonString()).startsWith("rate_limited:");
            }
            assertThat(amqp.isConnected()).isTrue();
        }
        assertThat(broker.queued(recipient.keyId().toString())).isEqualTo(3);
    }

    /**
     * SPEC §3.7: a refused envelope leaves no record. A send routed MULTICAST would miss the ANYCAST inbox queue; it is
     * refused before the engine records it, so the same envelope sent again the ordinary way is delivered, not taken
     * for a duplicate and dropped.
     */
    @Test
    void aSendThatWouldMissTheInboxQueueIsRefusedUnrecordedSoTheSameEnvelopeGoesThroughAfterwards() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        byte[] envelope = message(sender, recipient, "once");
        String inbox = dev.relay.protocol.Addressing.artemisInbox(recipient.keyId().toString());
        try (StompClient stomp = (StompClient) connect(ArtemisBinding.Protocol.STOMP, sender)) {
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            headers.put("destination", inbox);
            headers.put("destination-type", "MULTICAST");
            headers.put("content-type", "application/json");
            StompClient.Frame refused = stomp.request("SEND", headers, envelope);
            assertThat(refused.command()).isEqualTo("ERROR");
            assertThat(refused.header("message")).startsWith("internal: ");
        }
        try (ArtemisClient again = connect(ArtemisBinding.Protocol.STOMP, sender)) {
            assertThat(again.publishToInbox(recipient.keyId().toString(), envelope).refused()).isFalse();
        }
        try (ArtemisClient reader = connect(ArtemisBinding.Protocol.AMQP, recipient)) {
            reader.subscribeOwnInbox();
            assertThat(reader.receive(Duration.ofSeconds(10))).as("delivered once sent the ordinary way")
                    .isEqualTo(envelope);
        }
    }

    @Test
    void stompRateLimitIsAnErrorFrameWithTheCode() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        try (ArtemisClient stomp = connect(ArtemisBinding.Protocol.STOMP, sender)) {
            RelayBinding.Sent refused = fourthSend(stomp, sender, recipient);
            assertThat(refused.reasonString()).startsWith("rate_limited: retry_after=");
        }
        assertThat(broker.queued(recipient.keyId().toString())).isEqualTo(3);
    }

    /** SPEC §10.2: one rate_limited error envelope per identity and retry window, not one per refused publish. */
    @Test
    void anMqtt311FloodGetsOneRateLimitedErrorEnvelopePerRetryWindow() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        try (ArtemisClient mqtt = connect(ArtemisBinding.Protocol.MQTT311, sender)) {
            mqtt.subscribeOwnInbox();
            fourthSend(mqtt, sender, recipient);
            for (int i = 0; i < 5; i++) {
                mqtt.publishToInbox(recipient.keyId().toString(), message(sender, recipient, "flood " + i));
            }
            Envelope error = Envelope.parse(mqtt.receive(Duration.ofSeconds(10)));
            assertThat(error.kind()).isEqualTo(Kind.ERROR);
            assertThat(Json.readObject(error.body(), "error").get("code").asText()).isEqualTo("rate_limited");
            assertThat(Json.readObject(error.body(), "error").get("retry_after").asLong()).isBetween(1L, 20L);
            assertThat(mqtt.receive(Duration.ofSeconds(1))).as("a second error envelope in the window").isNull();
            assertThat(mqtt.isConnected()).isTrue();
        }
        assertThat(broker.queued(recipient.keyId().toString())).isEqualTo(3);
    }

    @Test
    void mqtt5RateLimitIsPubackQuotaExceededWithRetryAfterOnEveryRefusal() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        try (MqttClients.V5 mqtt = (MqttClients.V5) connect(ArtemisBinding.Protocol.MQTT5, sender)) {
            mqtt.subscribeOwnInbox();
            RelayBinding.Sent refused = fourthSend(mqtt, sender, recipient);
            assertThat(mqtt.lastReasonCode()).isEqualTo(0x97);
            assertThat(refused.reasonString()).startsWith("rate_limited: retry_after=");
            for (int i = 0; i < 5; i++) {
                RelayBinding.Sent flood = mqtt.publishToInbox(recipient.keyId().toString(),
                        message(sender, recipient, "flood " + i));
                assertThat(flood.reasonString()).as("flood %d", i).startsWith("rate_limited: retry_after=");
            }
            assertThat(mqtt.receive(Duration.ofMillis(500))).as("no error envelope: every PUBACK said it").isNull();
            assertThat(mqtt.isConnected()).isTrue();
        }
        assertThat(broker.queued(recipient.keyId().toString())).isEqualTo(3);
    }

    @Test
    void oversizedEnvelopesAreRefusedAsTooLargeOnEveryProtocol() throws Exception {
        RelayKeyPair recipient = RelayKeyPair.generate();
        byte[] huge = new byte[300 * 1024];
        Arrays.fill(huge, (byte) 'x');
        for (ArtemisBinding.Protocol protocol : new ArtemisBinding.Protocol[] {
                ArtemisBinding.Protocol.AMQP, ArtemisBinding.Protocol.STOMP, ArtemisBinding.Protocol.MQTT5}) {
            RelayKeyPair sender = RelayKeyPair.generate();
            try (ArtemisClient client = connect(protocol, sender)) {
                client.subscribeOwnInbox();
                RelayBinding.Sent sent = client.publishToInbox(recipient.keyId().toString(), huge);
                assertThat(sent.refused()).as("%s", protocol).isTrue();
                if (sent.reasonString() != null) {
                    assertThat(sent.reasonString()).as("%s", protocol).startsWith("too_large:");
                } else {
                    Envelope error = Envelope.parse(client.receive(Duration.ofSeconds(10)));
                    assertThat(Json.readObject(error.body(), "error").get("code").asText()).isEqualTo("too_large");
                }
            }
        }
        assertThat(broker.queued(recipient.keyId().toString())).isZero();
    }
}
