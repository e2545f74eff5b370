package dev.relay.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.RelayException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of what the gateway reads from a WebSocket client's text frame (SPEC §13.4): the frame
 * itself ({@link ClientFrame#parse}) and, for a frame carrying an envelope, the route the gateway takes from it
 * ({@link EnvelopeRoutes#route}) before the relay parses the envelope strictly. Contract: a frame or a
 * {@link ClientFrame.BadFrame}; a route or an {@link EnvelopeRoutes.Unroutable} with a SPEC code; nothing else, no
 * hang. The envelope member is kept as exactly one JSON object, verbatim from the frame.
 *
 * <p>The input is the frame text as UTF-8 (what Tyrus hands the gateway). Seeds
 * ({@code ClientFrameFuzzTestsInputs/parseIsTotal/}) are frames of every type plus near misses; they run in every
 * build.
 *
 * <p>Fuzz it (30 s, or as long as {@code JAZZER_MAX_DURATION} says, e.g. {@code 10m}); a finding fails the build and
 * is written as {@code crash-<sha1>} into the inputs directory, where it then runs in every build:
 * {@code JAZZER_FUZZ=1 ./mvnw -B package -pl ws-gateway -am -Dtest='ClientFrameFuzzTests#parseIsTotal' -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ClientFrameFuzzTests {

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"\"type\"", "\"ref\"", "\"envelope\"", "\"delivery\"", "\"key_id\"", "\"token\"",
            "\"session\"", "\"transient\"", "\"send\"", "\"ack\"", "\"auth\"", "\"ping\"", "\"to\"", "\"id\"",
            "\"sys\"", "true", "false", "null"})
    void parseIsTotal(byte[] input) throws Exception {
        String text = new String(input, StandardCharsets.UTF_8);
        ClientFrame frame;
        try {
            frame = ClientFrame.parse(text);
        } catch (ClientFrame.BadFrame e) {
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.ref == null || !e.ref.isEmpty() && e.ref.length() <= ClientFrame.MAX_REF_LENGTH)
                    .as("a bad frame's ref is null or a valid ref: %s", e.ref).isTrue();
            return;
        }
        assertThat(frame.type()).isNotNull();
        if (frame.ref() != null) {
            assertThat(frame.ref().length()).isBetween(1, ClientFrame.MAX_REF_LENGTH);
        }
        if (frame.envelopeJson() == null) {
            return;
        }
        String envelope = frame.envelopeJson();
        assertThat(text).as("the envelope is verbatim frame text").contains(envelope);
        assertThat(EnvelopeRoutes.asJsonObject(ByteBuffer.wrap(envelope.getBytes(StandardCharsets.UTF_8))))
                .as("the envelope member is exactly one JSON object: %s", envelope).isEqualTo(envelope);

        EnvelopeRoutes.Route route;
        try {
            route = EnvelopeRoutes.route(envelope);
        } catch (EnvelopeRoutes.Unroutable e) {
            assertThat(e.code).isIn("malformed", "too_large");
            return;
        }
        assertThat(route.topic()).satisfiesAnyOf(
                topic -> assertThat(topic).isEqualTo(Addressing.MQTT_SYSTEM_TOPIC),
                topic -> assertThat(topic).startsWith(Addressing.mqttInbox("")));
        assertThat(route.payload().length).isLessThanOrEqualTo(Envelope.MAX_ENVELOPE_BYTES);
        try {
            Envelope.parse(route.payload()); // what the relay does with the payload: an envelope or a refusal
        } catch (RelayException e) {
            assertThat(e.code()).isNotNull();
        }
    }
}
