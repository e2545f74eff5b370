package dev.relay.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;

/**
 * One frame from a WebSocket client (SPEC §13.4), read with a streaming parser so that the {@code envelope} member is
 * kept as the exact text the client sent: the gateway publishes it unchanged and the relay parses it strictly.
 * Members a frame type does not use are ignored, as the SPEC allows.
 */
record ClientFrame(String type, String ref, String envelopeJson, Long delivery, String keyId, String token,
                   String session, boolean transientSession) {

    static final int MAX_REF_LENGTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build();

    /** A frame that could not be read; {@code ref} is the frame's ref if it was read before the problem. */
    static final class BadFrame extends Exception {
        final String ref;

        BadFrame(String message, String ref) {
            super(message);
            this.ref = ref;
        }
    }

    static ClientFrame parse(String text) throws BadFrame {
        String type = null;
        String ref = null;
        String envelope = null;
        Long delivery = null;
        String keyId = null;
        String token = null;
        String session = null;
        boolean transientSession = false;
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadFrame("a frame is one JSON object", null);
            }
            JsonToken token0;
            while ((token0 = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "type" -> type = string(parser, value, name, ref);
                    case "ref" -> {
                        ref = string(parser, value, name, null);
                        if (ref.isEmpty() || ref.length() > MAX_REF_LENGTH) {
                            throw new BadFrame("ref must have 1.." + MAX_REF_LENGTH + " characters", null);
                        }
                    }
                    case "envelope" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw new BadFrame("envelope must be a JSON object", ref);
                        }
                        int start = (int) parser.currentTokenLocation().getCharOffset();
                        parser.skipChildren();
                        int end = (int) parser.currentTokenLocation().getCharOffset() + 1;
                        envelope = text.substring(start, end);
                    }
                    case "delivery" -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() != JsonParser.NumberType.INT
                                && parser.getNumberType() != JsonParser.NumberType.LONG) {
                            throw new BadFrame("delivery must be an integer", ref);
                        }
                        delivery = parser.getLongValue();
                    }
                    case "key_id" -> keyId = string(parser, value, name, ref);
                    case "token" -> token = string(parser, value, name, ref);
                    case "session" -> session = string(parser, value, name, ref);
                    case "transient" -> {
                        if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                            throw new BadFrame("transient must be true or false", ref);
                        }
                        transientSession = value == JsonToken.VALUE_TRUE;
                    }
                    default -> parser.skipChildren();
                }
            }
            if (token0 != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new BadFrame("a frame is exactly one JSON object", ref);
            }
        } catch (IOException e) {
            throw new BadFrame("not valid JSON: " + firstLine(e.getMessage()), ref);
        }
        if (type == null) {
            throw new BadFrame("a frame needs a string member \"type\"", ref);
        }
        return new ClientFrame(type, ref, envelope, delivery, keyId, token, session, transientSession);
    }

    private static String string(JsonParser parser, JsonToken value, String name, String ref)
            throws IOException, BadFrame {
        if (value != JsonToken.VALUE_STRING) {
            throw new BadFrame(name + " must be a string", ref);
        }
        return parser.getText();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 120 ? line.substring(0, 120) : line;
    }
}
