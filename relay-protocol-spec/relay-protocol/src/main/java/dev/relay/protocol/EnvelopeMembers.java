package dev.relay.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The members of an envelope object as the JSON gives them (SPEC §3.3 rules 1–6), before any field rule. Reading
 * throws only for faults of the JSON text itself (rules 1–3 and the limits of rule 6, unpaired surrogates included),
 * which no version can make valid; a member that v1 does not allow is kept as {@link #firstFieldError}, to be reported
 * after the version check (rule 8).
 */
final class EnvelopeMembers {
    Long version;
    boolean hugeVersion;
    String id;
    String kind;
    String from;
    String to;
    Long ts;
    Long expiresIn;
    String threadId;
    String inReplyTo;
    Long seq;
    String contentType;
    String body;
    String sig;
    RelayException firstFieldError;

    private EnvelopeMembers() {
    }

    static EnvelopeMembers read(byte[] json) throws RelayException {
        if (json == null) {
            throw new RelayException(ErrorCode.MALFORMED, "empty payload");
        }
        if (json.length > Envelope.MAX_ENVELOPE_BYTES) {
            throw new RelayException(ErrorCode.TOO_LARGE,
                    "envelope is " + json.length + " bytes, the limit is " + Envelope.MAX_ENVELOPE_BYTES);
        }
        Json.requireUtf8(json, "envelope");
        EnvelopeMembers members = new EnvelopeMembers();
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            members.readObject(parser);
        } catch (IOException | RuntimeException e) {
            // Jackson reports bad UTF-8, bad syntax, duplicate keys and limit breaches this way.
            throw new RelayException(ErrorCode.MALFORMED, "envelope is not valid JSON: " + Json.firstLine(e.getMessage()));
        }
        return members;
    }

    private void readObject(JsonParser parser) throws IOException, RelayException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new RelayException(ErrorCode.MALFORMED, "envelope must be a JSON object");
        }
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String name = requireText(parser.currentName());
            if (parser.nextToken() == JsonToken.VALUE_STRING) {
                requireText(parser.getText()); // not deferred like the field errors below
            }
            try {
                readMember(parser, name);
            } catch (RelayException fieldError) {
                firstFieldError = firstFieldError == null ? fieldError : firstFieldError;
                skipValue(parser);
            }
        }
        if (parser.nextToken() != null) {
            throw new RelayException(ErrorCode.MALFORMED, "data after the envelope object");
        }
    }

    private void readMember(JsonParser parser, String name) throws IOException, RelayException {
        switch (name) {
            case "v" -> {
                if (isBigInteger(parser)) {
                    hugeVersion = true; // an integer other than 1 all the same (rule 8)
                } else {
                    version = integer(parser, name);
                }
            }
            case "id" -> id = string(parser, name);
            case "kind" -> kind = string(parser, name);
            case "from" -> from = string(parser, name);
            case "to" -> to = string(parser, name);
            case "ts" -> ts = integer(parser, name);
            case "expires_in" -> expiresIn = integer(parser, name);
            case "thread_id" -> threadId = string(parser, name);
            case "in_reply_to" -> inReplyTo = string(parser, name);
            case "seq" -> seq = integer(parser, name);
            case "content_type" -> contentType = string(parser, name);
            case "body" -> body = string(parser, name);
            case "sig" -> sig = string(parser, name);
            default -> throw new RelayException(ErrorCode.MALFORMED,
                    "unknown field '" + Envelope.shorten(name) + "' (v1 envelopes carry only signed fields)");
        }
    }

    /** Skips a value v1 does not allow, still refusing unpaired surrogates anywhere inside it (rule 2). */
    private static void skipValue(JsonParser parser) throws IOException, RelayException {
        int depth = 0;
        JsonToken token = parser.currentToken();
        while (true) {
            if (token == JsonToken.VALUE_STRING || token == JsonToken.FIELD_NAME) {
                requireText(parser.getText());
            } else if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            }
            if (depth == 0) {
                return;
            }
            token = parser.nextToken();
        }
    }

    /** Rule 2: JSON escapes can spell a lone UTF-16 surrogate, which is not text in any version. */
    private static String requireText(String text) throws RelayException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new RelayException(ErrorCode.MALFORMED, "a string escape gives an unpaired surrogate");
            }
        }
        return text;
    }

    /** Rule 6 and rule 7's "every v1 string is ASCII", so no field-specific code is reported for non-ASCII text. */
    private static String string(JsonParser parser, String field) throws IOException, RelayException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw new RelayException(ErrorCode.MALFORMED, "field '" + field + "' must be a string");
        }
        String text = parser.getText();
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                throw new RelayException(ErrorCode.MALFORMED, "field '" + field + "' must be ASCII");
            }
        }
        return text;
    }

    private static boolean isBigInteger(JsonParser parser) throws IOException {
        return parser.currentToken() == JsonToken.VALUE_NUMBER_INT
                && parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER;
    }

    private static long integer(JsonParser parser, String field) throws IOException, RelayException {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new RelayException(ErrorCode.MALFORMED, "field '" + field + "' must be an integer");
        }
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new RelayException(ErrorCode.MALFORMED, "field '" + field + "' is out of range");
        }
        return parser.getLongValue();
    }
}
