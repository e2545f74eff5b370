package dev.relay.gateway.it;

import dev.relay.hivemq.it.Clients;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** An MQTT 5 device (Eclipse Paho) as SPEC §2.7 says: client id = key id, persistent session, own inbox at QoS 1. */
final class Device implements AutoCloseable {
    final RelayKeyPair key = RelayKeyPair.generate();
    private final Clients.PahoV5 mqtt;

    Device(BrokerUnderTest broker) throws Exception {
        String keyId = key.keyId().toString();
        mqtt = Clients.pahoV5(broker.mqttUri().toString(), keyId, keyId, Clients.token(key, broker.realm()), false);
        mqtt.subscribeInbox();
    }

    String keyId() {
        return key.keyId().toString();
    }

    /** Sends a signed text message to {@code recipient}; returns the envelope (the PUBACK must be a success). */
    Envelope send(RelayKeyPair recipient, String text) throws RelayException {
        Envelope envelope = Envelope.builder(Kind.MESSAGE).to(recipient.keyId())
                .contentType("text/plain").body(text.getBytes(StandardCharsets.UTF_8)).sign(key);
        publish(recipient, envelope);
        return envelope;
    }

    /** Publishes an envelope (signed by anyone) to {@code recipient}'s inbox; the PUBACK must be a success. */
    void publish(RelayKeyPair recipient, Envelope envelope) {
        Clients.PublishResult result = mqtt.publishToInbox(recipient.keyId().toString(), envelope.toJson());
        if (!result.accepted()) {
            throw new IllegalStateException("device publish refused: " + result);
        }
    }

    /** The next envelope in the device's inbox, parsed strictly and signature-verified, or null. */
    Envelope receive(Duration timeout) throws Exception {
        byte[] payload = mqtt.awaitPayload(timeout);
        if (payload == null) {
            return null;
        }
        Envelope envelope = Envelope.parse(payload);
        envelope.verify();
        return envelope;
    }

    @Override
    public void close() {
        mqtt.close();
    }
}
