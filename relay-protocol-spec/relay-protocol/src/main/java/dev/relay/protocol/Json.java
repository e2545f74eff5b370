package dev.relay.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one JSON configuration of the protocol: strict (duplicate keys are errors, trailing tokens are errors) and
 * bounded (nesting, string and number lengths), so that hostile input fails fast with {@link ErrorCode#MALFORMED}.
 */
public final class Json {
    /** Deepest nesting any Relay JSON document needs (system requests with cards are the deepest). */
    public static final int MAX_NESTING_DEPTH = 8;

    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(Envelope.MAX_ENVELOPE_BYTES)
                    .maxNumberLength(24)
                    .maxDocumentLength(Envelope.MAX_ENVELOPE_BYTES)
                    .build())
            .build();

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    private Json() {
    }

    /** Parses a JSON object strictly; anything else is {@link ErrorCode#MALFORMED}. */
    public static ObjectNode readObject(byte[] json, String what) throws RelayException {
        requireUtf8(json, what);
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw new RelayException(ErrorCode.MALFORMED, what + " must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Parses a flat JSON object of strings and small integers (key files and the like). */
    static Map<String, Object> readFlatObject(byte[] json, String what) throws RelayException {
        requireUtf8(json, what);
        Map<String, Object> fields = new LinkedHashMap<>();
        try (JsonParser parser = FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new RelayException(ErrorCode.MALFORMED, what + " must be a JSON object");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    fields.put(name, parser.getText());
                } else if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
                    fields.put(name, parser.getIntValue());
                } else {
                    throw new RelayException(ErrorCode.MALFORMED, what + ": field " + name + " must be a string or a small integer");
                }
            }
            if (parser.nextToken() != null) {
                throw new RelayException(ErrorCode.MALFORMED, what + " has data after the JSON object");
            }
        } catch (IOException | RuntimeException e) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is not valid JSON: " + firstLine(e.getMessage()));
        }
        return fields;
    }

    /** Refuses any member not in {@code allowed}: Relay bodies are strict, an unknown name is an error, not ignored. */
    static void requireOnlyFields(ObjectNode node, Set<String> allowed, String what) throws RelayException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!allowed.contains(field)) {
                throw new RelayException(ErrorCode.MALFORMED, what + " has unknown field '" + Envelope.shorten(field) + "'");
            }
        }
    }

    /** Writes the members of one JSON object (see {@link #object}). */
    @FunctionalInterface
    public interface Members {
        void write(JsonGenerator json) throws IOException;
    }

    /** One JSON object as text, its members written by {@code members}: the frames of SPEC §13 are built this way. */
    public static String object(Members members) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            members.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /**
     * Relay JSON is UTF-8 (SPEC §0.2). Jackson would otherwise auto-detect UTF-16/32, skip a byte-order mark and decode
     * overlong UTF-8 forms, accepting bytes that strict parsers elsewhere refuse. No JSON text in UTF-8 contains a NUL
     * byte (control characters must be escaped), while UTF-16/32 text always does.
     */
    public static void requireUtf8(byte[] json, String what) throws RelayException {
        boolean ascii = true;
        for (byte b : json) {
            if (b == 0) {
                throw new RelayException(ErrorCode.MALFORMED, what + " is not UTF-8 JSON (NUL byte)");
            }
            ascii &= b > 0;
        }
        if (ascii) {
            return;
        }
        if (json.length >= 3 && json[0] == (byte) 0xEF && json[1] == (byte) 0xBB && json[2] == (byte) 0xBF) {
            throw new RelayException(ErrorCode.MALFORMED, what + " must not start with a byte-order mark");
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json));
        } catch (CharacterCodingException e) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is not valid UTF-8");
        }
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
