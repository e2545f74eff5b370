package dev.relay.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A signed Relay envelope (SPEC §3). Immutable. The signature covers a fixed byte layout ({@link #signingInput()}),
 * never re-serialised JSON, so any implementation can verify it from the parsed fields alone.
 */
public final class Envelope {
    public static final int VERSION = 1;
    public static final int MAX_ENVELOPE_BYTES = 262_144;
    public static final int MAX_BODY_BYTES = 131_072;
    public static final int MAX_CONTENT_TYPE_LENGTH = 127;
    public static final String SYSTEM_RECIPIENT = "sys";
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    static final byte[] LAYOUT_TAG = "RELAY-ENVELOPE/1\0".getBytes(StandardCharsets.US_ASCII);

    private final String id;
    private final Kind kind;
    private final String from;
    private final String to;
    private final long ts;
    private final Long expiresIn;
    private final String threadId;
    private final String inReplyTo;
    private final Integer seq;
    private final String contentType;
    private final byte[] body;
    private final byte[] signature;

    Envelope(String id, Kind kind, String from, String to, long ts, Long expiresIn, String threadId, String inReplyTo,
             Integer seq, String contentType, byte[] body, byte[] signature) {
        this.id = id;
        this.kind = kind;
        this.from = from;
        this.to = to;
        this.ts = ts;
        this.expiresIn = expiresIn;
        this.threadId = threadId;
        this.inReplyTo = inReplyTo;
        this.seq = seq;
        this.contentType = contentType;
        this.body = body;
        this.signature = signature;
    }

    /** Starts a new envelope of the given kind; {@link Builder#sign} sets {@code from} and the signature. */
    public static Builder builder(Kind kind) {
        return new Builder(kind);
    }

    /** Parses strictly (SPEC §3.3); never throws anything but {@link RelayException}. Does not verify the signature. */
    public static Envelope parse(byte[] json) throws RelayException {
        return EnvelopeParser.parse(json);
    }

    /**
     * The {@code id} of a payload that may be refused, so that an error envelope can name it (SPEC §3.5.6): the id if
     * the payload is a JSON object (SPEC §3.3 rules 1–3) whose member {@code id} is a valid message id, whatever else
     * is wrong with it; otherwise null.
     */
    public static String readableId(byte[] payload) {
        try {
            String id = EnvelopeMembers.read(payload).id;
            return id == null ? null : MessageId.requireValid(id, "id");
        } catch (RelayException unreadable) {
            return null;
        }
    }

    /** The exact bytes the sender signs (SPEC §3.4). */
    public byte[] signingInput() {
        return signingInput(kind, id, from, to, ts, expiresIn, threadId, inReplyTo, seq, contentType, body);
    }

    static byte[] signingInput(Kind kind, String id, String from, String to, long ts, Long expiresIn, String threadId,
                               String inReplyTo, Integer seq, String contentType, byte[] body) {
        LayoutWriter out = new LayoutWriter();
        out.bytes(LAYOUT_TAG);
        out.str(kind.wireName());
        out.str(id);
        out.str(from);
        out.str(to);
        out.u64(ts);
        out.u32(expiresIn == null ? 0 : expiresIn);
        out.str(threadId);
        out.str(inReplyTo);
        out.u32(seq == null ? 0 : seq);
        out.u8(seq == null ? 0 : 1);
        out.str(contentType);
        out.bytes(sha256(body));
        return out.toByteArray();
    }

    /** SHA-256 of the signing input: what a receipt quotes to prove which exact message arrived. */
    public byte[] digest() {
        return sha256(signingInput());
    }

    /**
     * Verifies that {@code signer} is the sender and that the signature is valid.
     * Throws {@link ErrorCode#SENDER_MISMATCH} or {@link ErrorCode#BAD_SIGNATURE}.
     */
    public void verify(KeyId signer) throws RelayException {
        if (!signer.toString().equals(from)) {
            throw new RelayException(ErrorCode.SENDER_MISMATCH,
                    "envelope from " + from + " but the connection is " + signer);
        }
        if (!signer.verify(signingInput(), signature)) {
            throw new RelayException(ErrorCode.BAD_SIGNATURE, "envelope " + id + " signature does not verify");
        }
    }

    /** Verifies the signature against the key named in {@code from} (what a recipient does). */
    public KeyId verify() throws RelayException {
        KeyId sender;
        try {
            sender = KeyId.parse(from);
        } catch (RelayException e) {
            throw new RelayException(ErrorCode.BAD_SIGNATURE, "envelope sender is not a valid key: " + e.getMessage());
        }
        verify(sender);
        return sender;
    }

    /** Absolute expiry in epoch milliseconds under the relay's maximum TTL. */
    public long expiresAtMillis(long maxTtlSeconds) {
        return Ttl.expiresAtMillis(ts, expiresIn, maxTtlSeconds);
    }

    /** The canonical JSON form (fields in SPEC order, no whitespace). */
    public byte[] toJson() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256 + body.length * 4 / 3);
        try (JsonGenerator json = Json.FACTORY.createGenerator(buffer)) {
            json.writeStartObject();
            json.writeNumberField("v", VERSION);
            json.writeStringField("id", id);
            json.writeStringField("kind", kind.wireName());
            json.writeStringField("from", from);
            json.writeStringField("to", to);
            json.writeNumberField("ts", ts);
            if (expiresIn != null) {
                json.writeNumberField("expires_in", expiresIn);
            }
            if (threadId != null) {
                json.writeStringField("thread_id", threadId);
            }
            if (inReplyTo != null) {
                json.writeStringField("in_reply_to", inReplyTo);
            }
            if (seq != null) {
                json.writeNumberField("seq", seq);
            }
            if (contentType != null) {
                json.writeStringField("content_type", contentType);
            }
            json.writeStringField("body", Base64Url.encode(body));
            json.writeStringField("sig", Base64Url.encode(signature));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    public String toJsonString() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }

    public String id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public String from() {
        return from;
    }

    /** Recipient key id, or {@value #SYSTEM_RECIPIENT} for requests. */
    public String to() {
        return to;
    }

    /** Creation time, epoch milliseconds. */
    public long ts() {
        return ts;
    }

    /** The signed {@code expires_in}, or null when absent (the default applies). */
    public Long expiresIn() {
        return expiresIn;
    }

    public String threadId() {
        return threadId;
    }

    public String inReplyTo() {
        return inReplyTo;
    }

    public Integer seq() {
        return seq;
    }

    /** The content type as sent, or null when absent. */
    public String contentType() {
        return contentType;
    }

    /** The content type, with the default for an absent one. */
    public String effectiveContentType() {
        return contentType == null ? DEFAULT_CONTENT_TYPE : contentType;
    }

    public byte[] body() {
        return body.clone();
    }

    public int bodyLength() {
        return body.length;
    }

    public byte[] signature() {
        return signature.clone();
    }

    /**
     * Same signed content and signature. Compares the fields directly rather than building two signing inputs (which
     * hashes both bodies): for valid envelopes that is the same relation, since no field may hold a value that the
     * layout writes like an absent one (an empty string, or {@code expires_in} 0).
     */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Envelope)) {
            return false;
        }
        Envelope that = (Envelope) other;
        return ts == that.ts && kind == that.kind && Arrays.equals(signature, that.signature) && id.equals(that.id)
                && from.equals(that.from) && to.equals(that.to) && Objects.equals(expiresIn, that.expiresIn)
                && Objects.equals(threadId, that.threadId) && Objects.equals(inReplyTo, that.inReplyTo)
                && Objects.equals(seq, that.seq) && Objects.equals(contentType, that.contentType)
                && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, from, ts);
    }

    @Override
    public String toString() {
        return "Envelope[" + kind.wireName() + " " + id + " " + from + " -> " + to + "]";
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String shorten(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    /** Builds and signs envelopes; validates as strictly as the parser, so a built envelope always parses. */
    public static final class Builder {
        private final Kind kind;
        private String id;
        private String to;
        private Long ts;
        private Long expiresIn;
        private String threadId;
        private boolean startsThread;
        private String inReplyTo;
        private Integer seq;
        private String contentType;
        private byte[] body = new byte[0];

        private Builder(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder to(String recipient) {
            this.to = recipient;
            return this;
        }

        public Builder to(KeyId recipient) {
            return to(recipient.toString());
        }

        public Builder ts(long epochMillis) {
            this.ts = epochMillis;
            return this;
        }

        public Builder expiresIn(Long seconds) {
            this.expiresIn = seconds;
            return this;
        }

        public Builder threadId(String threadId) {
            this.threadId = threadId;
            return this;
        }

        /**
         * Starts a conversation (SPEC §7.1): unless a thread id is set, the envelope's own id becomes its
         * {@code thread_id}, so the thread's history holds its first message too.
         */
        public Builder startsThread() {
            this.startsThread = true;
            return this;
        }

        public Builder inReplyTo(String messageId) {
            this.inReplyTo = messageId;
            return this;
        }

        public Builder seq(Integer seq) {
            this.seq = seq;
            return this;
        }

        public Builder contentType(String contentType) {
            this.contentType = contentType;
            return this;
        }

        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body, "body").clone();
            return this;
        }

        public Builder body(String utf8) {
            return body(utf8.getBytes(StandardCharsets.UTF_8));
        }

        /** Signs as {@code key}; a missing id or timestamp is filled in (new UUIDv7 id, current time). */
        public Envelope sign(RelayKeyPair key) throws RelayException {
            long time = ts != null ? ts : System.currentTimeMillis();
            String messageId = id != null ? id : MessageId.generate(time);
            String from = key.keyId().toString();
            String thread = threadId == null && startsThread ? messageId : threadId;
            EnvelopeParser.validate(messageId, kind, from, to, time, expiresIn, thread, inReplyTo, seq, contentType,
                    body.length);
            byte[] input = signingInput(kind, messageId, from, to, time, expiresIn, thread, inReplyTo, seq,
                    contentType, body);
            // No need to encode it to check MAX_ENVELOPE_BYTES: with every field within its limit the JSON is at most
            // ~176 KB (base64 of the largest body plus under 1 KB of fields). The body array is shared: body(...)
            // always stores a fresh copy and the builder never hands it out or changes it.
            return new Envelope(messageId, kind, from, to, time, expiresIn, thread, inReplyTo, seq, contentType, body,
                    key.sign(input));
        }
    }

    /** Big-endian writer for the signing layout. */
    private static final class LayoutWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(192);

        void bytes(byte[] bytes) {
            out.writeBytes(bytes);
        }

        void str(String text) {
            byte[] utf8 = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
            out.write(utf8.length >>> 8);
            out.write(utf8.length);
            out.writeBytes(utf8);
        }

        void u8(int value) {
            out.write(value);
        }

        void u32(long value) {
            for (int shift = 24; shift >= 0; shift -= 8) {
                out.write((int) (value >>> shift));
            }
        }

        void u64(long value) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (value >>> shift));
            }
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
