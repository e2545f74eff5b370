package dev.relay.protocol;

/**
 * The strict envelope parser (SPEC §3.3): the members as {@link EnvelopeMembers} reads them, then the version, then
 * the field rules. Total: any byte string yields an envelope or a {@link RelayException} with a stable code.
 */
final class EnvelopeParser {
    /** Longest base64url text of a body within the limit. */
    private static final int MAX_BODY_TEXT = (Envelope.MAX_BODY_BYTES * 4 + 2) / 3;
    private static final long MAX_TS = (1L << 53) - 1;

    private EnvelopeParser() {
    }

    static Envelope parse(byte[] json) throws RelayException {
        EnvelopeMembers m = EnvelopeMembers.read(json);
        if (m.hugeVersion || (m.version != null && m.version != Envelope.VERSION)) {
            throw new RelayException(ErrorCode.UNSUPPORTED_VERSION, "envelope version "
                    + (m.hugeVersion ? "(out of range)" : m.version) + " is not supported (v1 only)");
        }
        if (m.firstFieldError != null) {
            // Reported after the version check: a future version may add or retype fields (SPEC §3.3 rule 8).
            throw m.firstFieldError;
        }
        if (m.version == null) {
            throw new RelayException(ErrorCode.MALFORMED, "missing field 'v'");
        }
        Kind kind = Kind.fromWire(require(m.kind, "kind"));
        require(m.id, "id");
        require(m.from, "from");
        require(m.to, "to");
        if (m.ts == null) {
            throw new RelayException(ErrorCode.MALFORMED, "missing field 'ts'");
        }
        String bodyText = require(m.body, "body");
        String sigText = require(m.sig, "sig");
        if (m.seq != null && (m.seq < 0 || m.seq > Integer.MAX_VALUE)) {
            throw new RelayException(ErrorCode.MALFORMED, "seq must be 0..2147483647");
        }
        if (bodyText.length() > MAX_BODY_TEXT) {
            throw new RelayException(ErrorCode.TOO_LARGE, "body exceeds " + Envelope.MAX_BODY_BYTES + " bytes");
        }
        byte[] body = Base64Url.decode(bodyText, "body");
        byte[] signature = Base64Url.decode(sigText, "sig", 64);
        Integer seq = m.seq == null ? null : m.seq.intValue();
        validate(m.id, kind, m.from, m.to, m.ts, m.expiresIn, m.threadId, m.inReplyTo, seq, m.contentType, body.length);
        return new Envelope(m.id, kind, m.from, m.to, m.ts, m.expiresIn, m.threadId, m.inReplyTo, seq, m.contentType,
                body, signature);
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
}
