package dev.relay.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The strict envelope parser (SPEC §3.3). A streaming parse: flat object, known fields only, each once, exact JSON
 * types. Total: any byte string yields an envelope or a {@link RelayException} with a stable code.
 */
final class EnvelopeParser {
    /** Longest base64url text of a body within the limit. */
    private static final int MAX_BODY_TEXT = (Envelope.MAX_BODY_BYTES * 4 + 2) / 3;
    private static final long MAX_TS = (1L << 53) - 1;

    private EnvelopeParser() {
    }

    static Envelope parse(byte[] json) throws RelayException {
        if (json == null) {
            throw new RelayException(ErrorCode.MALFORMED, "empty payload");
        }
        if (json.length > Envelope.MAX_ENVELOPE_BYTES) {
            throw new RelayException(ErrorCode.TOO_LARGE,
                    "envelope is " + json.length + " bytes, the limit is " + Envelope.MAX_ENVELOPE_BYTES);
        }
        Json.requireUtf8(json, "envelope");
        try {
            return parseFields(json);
        } catch (RelayException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Jackson reports bad UTF-8, bad syntax, duplicate keys and limit breaches this way.
            throw new RelayException(ErrorCode.MALFORMED, "envelope is not valid JSON: " + Json.firstLine(e.getMessage()));
        }
    }

    private static Envelope parseFields(byte[] json) throws IOException, RelayException {
        Long version = null;
        String id = null;
        String kindName = null;
        String from = null;
        String to = null;
        Long ts = null;
        Long expiresIn = null;
        String threadId = null;
        String inReplyTo = null;
        Long seq = null;
        String contentType = null;
        String bodyText = null;
        String sigText = null;
        RelayException firstFieldError = null;
        boolean hugeVersion = false;
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new RelayException(ErrorCode.MALFORMED, "envelope must be a JSON object");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String name = parser.currentName();
                parser.nextToken();
                try {
                    switch (name) {
                        case "v" -> {
                            if (isBigInteger(parser)) {
                                hugeVersion = true; // an integer other than 1 all the same (rule 8)
                            } else {
                                version = integer(parser, name);
                            }
                        }
                        case "id" -> id = string(parser, name);
                        case "kind" -> kindName = string(parser, name);
                        case "from" -> from = string(parser, name);
                        case "to" -> to = string(parser, name);
                        case "ts" -> ts = integer(parser, name);
                        case "expires_in" -> expiresIn = integer(parser, name);
                        case "thread_id" -> threadId = string(parser, name);
                        case "in_reply_to" -> inReplyTo = string(parser, name);
                        case "seq" -> seq = integer(parser, name);
                        case "content_type" -> contentType = string(parser, name);
                        case "body" -> bodyText = string(parser, name);
                        case "sig" -> sigText = string(parser, name);
                        default -> throw new RelayException(ErrorCode.MALFORMED,
                                "unknown field '" + Envelope.shorten(name) + "' (v1 envelopes carry only signed fields)");
                    }
                } catch (RelayException fieldError) {
                    // Reported after the version check: a future version may add or retype fields (SPEC §3.3 rule 8).
                    firstFieldError = firstFieldError == null ? fieldError : firstFieldError;
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw new RelayException(ErrorCode.MALFORMED, "data after the envelope object");
            }
        }
        if (hugeVersion || (version != null && version != Envelope.VERSION)) {
            throw new RelayException(ErrorCode.UNSUPPORTED_VERSION, "envelope version "
                    + (hugeVersion ? "(out of range)" : version) + " is not supported (v1 only)");
        }
        if (firstFieldError != null) {
            throw firstFieldError;
        }
        if (version == null) {
            throw new RelayException(ErrorCode.MALFORMED, "missing field 'v'");
        }
        Kind kind = Kind.fromWire(require(kindName, "kind"));
        require(id, "id");
        require(from, "from");
        require(to, "to");
        if (ts == null) {
            throw new RelayException(ErrorCode.MALFORMED, "missing field 'ts'");
        }
        require(bodyText, "body");
        require(sigText, "sig");
        if (seq != null && (seq < 0 || seq > Integer.MAX_VALUE)) {
            throw new RelayException(ErrorCode.MALFORMED, "seq must be 0..2147483647");
        }
        if (bodyText.length() > MAX_BODY_TEXT) {
            throw new RelayException(ErrorCode.TOO_LARGE, "body exceeds " + Envelope.MAX_BODY_BYTES + " bytes");
        }
        byte[] body = Base64Url.decode(bodyText, "body");
        byte[] signature = Base64Url.decode(sigText, "sig", 64);
        Integer seqValue = seq == null ? null : seq.intValue();
        validate(id, kind, from, to, ts, expiresIn, threadId, inReplyTo, seqValue, contentType, body.length);
        return new Envelope(id, kind, from, to, ts, expiresIn, threadId, inReplyTo, seqValue, contentType, body, signature);
    }

    /** Field rules shared by the parser and the builder, so a built envelope always parses. */
    static void validate(String id, Kind kind, String from, String to, long ts, Long expiresIn, String threadId,
                         String inReplyTo, Integer seq, String contentType, int bodyLength) throws RelayException {
        MessageId.requireValid(id, "id");
        KeyId.requireSyntax(from, "from");
        if (kind == Kind.REQUEST) {
            if (!Envelope.SYSTEM_RECIPIENT.equals(to)) {
                throw new RelayException(ErrorCode.MALFORMED, "a request must be addressed to 'sys'");
            }
        } else {
            KeyId.requireSyntax(to, "to");
        }
        if (ts < 0 || ts > MAX_TS) {
            throw new RelayException(ErrorCode.MALFORMED, "ts must be epoch milliseconds 0..2^53-1");
        }
        if (expiresIn != null && (expiresIn < Ttl.MIN_SECONDS || expiresIn > Ttl.MAX_SIGNED_SECONDS)) {
            throw new RelayException(ErrorCode.BAD_TTL, "expires_in must be 1..2147483647 seconds, got " + expiresIn);
        }
        if (threadId != null) {
            MessageId.requireValid(threadId, "thread_id");
        }
        if (inReplyTo != null) {
            MessageId.requireValid(inReplyTo, "in_reply_to");
        } else if (kind.requiresInReplyTo()) {
            throw new RelayException(ErrorCode.MALFORMED, "a " + kind.wireName() + " must carry in_reply_to");
        }
        if (kind == Kind.STREAM && seq == null) {
            throw new RelayException(ErrorCode.MALFORMED, "a stream chunk must carry seq");
        }
        if (kind != Kind.STREAM && seq != null) {
            throw new RelayException(ErrorCode.MALFORMED, "seq is only allowed on stream chunks");
        }
        if (seq != null && seq < 0) {
            throw new RelayException(ErrorCode.MALFORMED, "seq must be 0..2147483647");
        }
        if (contentType != null) {
            requireContentType(contentType);
        }
        if (bodyLength > Envelope.MAX_BODY_BYTES) {
            throw new RelayException(ErrorCode.TOO_LARGE, "body exceeds " + Envelope.MAX_BODY_BYTES + " bytes");
        }
    }

    private static void requireContentType(String contentType) throws RelayException {
        if (contentType.isEmpty() || contentType.length() > Envelope.MAX_CONTENT_TYPE_LENGTH) {
            throw new RelayException(ErrorCode.MALFORMED, "content_type must be 1..127 chars");
        }
        for (int i = 0; i < contentType.length(); i++) {
            char c = contentType.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new RelayException(ErrorCode.MALFORMED, "content_type must be printable ASCII");
            }
        }
    }

    private static String require(String value, String field) throws RelayException {
        if (value == null) {
            throw new RelayException(ErrorCode.MALFORMED, "missing field '" + field + "'");
        }
        return value;
    }

    private static String string(JsonParser parser, String field) throws IOException, RelayException {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw new RelayException(ErrorCode.MALFORMED, "field '" + field + "' must be a string");
        }
        return parser.getText();
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
