package dev.relay.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * The little the gateway reads from envelopes: where a client's envelope goes (its {@code to}) and its id, and whether
 * a payload from the broker is one JSON object that can be put into a {@code message} frame. Everything else about an
 * envelope is the relay's business (SPEC §13.4).
 */
final class EnvelopeRoutes {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build();

    /** Topic and id of a client's envelope. {@code id} is null when the envelope has no string id. */
    record Route(String topic, String id, byte[] payload) {
    }

    /** A send the gateway refuses before publishing, with the SPEC code. */
    static final class Unroutable extends Exception {
        final String code;
        final String id;

        Unroutable(String code, String message, String id) {
            super(message);
            this.code = code;
            this.id = id;
        }
    }

    private EnvelopeRoutes() {
    }

    static Route route(String envelopeJson) throws Unroutable {
        byte[] payload = envelopeJson.getBytes(StandardCharsets.UTF_8);
        String to = null;
        String id = null;
        try (JsonParser parser = FACTORY.createParser(envelopeJson)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("to".equals(name) && value == JsonToken.VALUE_STRING) {
                    to = parser.getText();
                } else if ("id".equals(name) && value == JsonToken.VALUE_STRING) {
                    id = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new Unroutable("malformed", "envelope is not valid JSON", null);
        }
        if (payload.length > Envelope.MAX_ENVELOPE_BYTES) {
            throw new Unroutable("too_large", "envelope is " + payload.length + " bytes, more than "
                    + Envelope.MAX_ENVELOPE_BYTES, id);
        }
        if (to == null) {
            throw new Unroutable("malformed", "envelope has no string member \"to\"", id);
        }
        if (Envelope.SYSTEM_RECIPIENT.equals(to)) {
            return new Route(Addressing.MQTT_SYSTEM_TOPIC, id, payload);
        }
        try {
            return new Route(Addressing.mqttInbox(KeyId.parse(to).toString()), id, payload);
        } catch (RelayException e) {
            throw new Unroutable("malformed", "envelope \"to\" is neither a key id nor \"sys\"", id);
        }
    }

    /** The payload as text if it is valid UTF-8 holding exactly one JSON object, else null. */
    static String asJsonObject(ByteBuffer payload) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(payload.asReadOnlyBuffer())
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            parser.skipChildren();
            return parser.nextToken() == null ? text : null;
        } catch (IOException e) {
            return null;
        }
    }
}
