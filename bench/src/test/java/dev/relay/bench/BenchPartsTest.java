package dev.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchPartsTest {

    @Test
    void statsGiveTheMedianAndSpreadOfOddAndEvenCounts() {
        assertThat(Stats.of(List.of(3.0, 1.0, 2.0))).isEqualTo(new Stats(2.0, 1.0, 3.0, 3));
        Stats even = Stats.of(List.of(4.0, 1.0, 2.0, 3.0));
        assertThat(even.median()).isEqualTo(2.5);
        assertThat(even.spread()).isEqualTo(1.2);
        assertThat(Stats.of(List.of()).samples()).isZero();
    }

    @Test
    void theEnvelopeIdIsFoundInThePayloadBytesAndNotConfusedWithThreadOrReplyIds() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        Envelope first = Envelope.builder(Kind.MESSAGE).to(recipient.keyId()).body("x").sign(sender);
        Envelope reply = Envelope.builder(Kind.MESSAGE).to(recipient.keyId()).inReplyTo(first.id())
                .threadId(first.id()).body("y").sign(sender);
        assertThat(MqttLoad.idOf(first.toJson())).isEqualTo(first.id());
        assertThat(MqttLoad.idOf(reply.toJson())).isEqualTo(reply.id());
        assertThat(MqttLoad.idOf("{\"v\":1}".getBytes())).isNull();
    }

    @Test
    void signedEnvelopesForTheLoadHaveTheAdvertisedBodySize() throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        RelayKeyPair recipient = RelayKeyPair.generate();
        List<byte[]> payloads = MqttLoad.envelopes(sender, recipient.keyId(), 3);
        assertThat(payloads).hasSize(3);
        Envelope parsed = Envelope.parse(payloads.get(0));
        assertThat(parsed.bodyLength()).isEqualTo(MqttLoad.BODY_BYTES);
        parsed.verify(sender.keyId()); // throws if the signature does not hold
    }
}
