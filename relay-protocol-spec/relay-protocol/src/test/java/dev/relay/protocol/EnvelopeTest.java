package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvelopeTest {
    private static final String BOB = TestKeys.bob().keyId().toString();
    private static final String ALICE = TestKeys.alice().keyId().toString();

    /** One builder per kind, with the fields that kind requires (and some optional ones). */
    static Stream<Arguments> everyKind() {
        return Stream.of(
                Arguments.of("message, minimal", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)),
                Arguments.of("message, every optional field", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .expiresIn(3600L).threadId(TestKeys.messageId(1)).inReplyTo(TestKeys.messageId(2))
                        .contentType("text/plain; charset=utf-8").body("turn the fan on")),
                Arguments.of("message to self", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(ALICE).body("note")),
                Arguments.of("receipt", Kind.RECEIPT, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .inReplyTo(TestKeys.messageId(3)).contentType("application/json").body("{}")),
                Arguments.of("stream seq 0", Kind.STREAM, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .inReplyTo(TestKeys.messageId(4)).seq(0).body("chunk")),
                Arguments.of("stream seq max", Kind.STREAM, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .inReplyTo(TestKeys.messageId(4)).seq(Integer.MAX_VALUE).body(new byte[] {0, 1, 2, (byte) 255})),
                Arguments.of("request", Kind.REQUEST, (UnaryOperator<Envelope.Builder>) b -> b.to("sys")
                        .contentType("application/json").body("{\"op\":\"relay.info\",\"args\":{}}")),
                Arguments.of("response", Kind.RESPONSE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .inReplyTo(TestKeys.messageId(5)).contentType("application/json").body("{\"op\":\"relay.info\",\"result\":{}}")),
                Arguments.of("error with in_reply_to", Kind.ERROR, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .inReplyTo(TestKeys.messageId(6)).contentType("application/json")
                        .body("{\"code\":\"malformed\",\"message\":\"x\"}")),
                Arguments.of("error without in_reply_to (unparseable input)", Kind.ERROR,
                        (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).contentType("application/json")
                                .body("{\"code\":\"malformed\",\"message\":\"x\"}")),
                Arguments.of("largest body", Kind.MESSAGE,
                        (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).body(new byte[Envelope.MAX_BODY_BYTES])),
                Arguments.of("largest ttl and ts", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .expiresIn((long) Integer.MAX_VALUE).ts((1L << 53) - 1)),
                Arguments.of("ts 0, ttl 1", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).expiresIn(1L).ts(0)),
                Arguments.of("content type of 127 chars", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .contentType("a/" + "b".repeat(125))),
                Arguments.of("content type with spaces and symbols", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB)
                        .contentType(" !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKind")
    void buildSignToJsonParseRoundTrip(String name, Kind kind, UnaryOperator<Envelope.Builder> fill) throws RelayException {
        Envelope built = fill.apply(Envelope.builder(kind).id(TestKeys.messageId(9)).ts(TestKeys.T0)).sign(TestKeys.alice());
        byte[] json = built.toJson();
        Envelope parsed = Envelope.parse(json);

        assertThat(parsed).isEqualTo(built).hasSameHashCodeAs(built);
        assertThat(parsed.toJson()).isEqualTo(json);
        assertThat(parsed.signingInput()).isEqualTo(built.signingInput());
        assertThat(parsed.kind()).isEqualTo(kind);
        assertThat(parsed.id()).isEqualTo(built.id());
        assertThat(parsed.from()).isEqualTo(ALICE);
        assertThat(parsed.to()).isEqualTo(built.to());
        assertThat(parsed.ts()).isEqualTo(built.ts());
        assertThat(parsed.expiresIn()).isEqualTo(built.expiresIn());
        assertThat(parsed.threadId()).isEqualTo(built.threadId());
        assertThat(parsed.inReplyTo()).isEqualTo(built.inReplyTo());
        assertThat(parsed.seq()).isEqualTo(built.seq());
        assertThat(parsed.contentType()).isEqualTo(built.contentType());
        assertThat(parsed.body()).isEqualTo(built.body());
        assertThat(parsed.bodyLength()).isEqualTo(built.body().length);
        assertThat(parsed.signature()).isEqualTo(built.signature()).hasSize(64);
        assertThat(parsed.verify()).isEqualTo(TestKeys.alice().keyId());
        parsed.verify(TestKeys.alice().keyId());
        assertThat(TestKeys.alice().keyId().verify(parsed.signingInput(), parsed.signature())).isTrue();
        assertThat(json.length).isLessThanOrEqualTo(Envelope.MAX_ENVELOPE_BYTES);
    }

    private static final List<String> FIELD_ORDER = List.of("v", "id", "kind", "from", "to", "ts", "expires_in", "thread_id",
            "in_reply_to", "seq", "content_type", "body", "sig");

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKind")
    void jsonFieldsComeInDesignOrderWithoutWhitespace(String name, Kind kind, UnaryOperator<Envelope.Builder> fill)
            throws Exception {
        Envelope built = fill.apply(Envelope.builder(kind).id(TestKeys.messageId(9)).ts(TestKeys.T0)).sign(TestKeys.alice());
        String json = built.toJsonString();
        JsonNode tree = Json.MAPPER.readTree(json);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        List<String> expected = new ArrayList<>(FIELD_ORDER);
        expected.removeIf(field -> !names.contains(field));

        assertThat(names).isEqualTo(expected);
        assertThat(names).contains("v", "id", "kind", "from", "to", "ts", "body", "sig");
        assertThat(json).startsWith("{\"v\":1,\"id\":\"").endsWith("\"}").doesNotContain(" \"", "\n", ": ", ", ");
        assertThat(tree.get("v").asInt()).isEqualTo(1);
        assertThat(tree.get("kind").asText()).isEqualTo(kind.wireName());
        assertThat(tree.get("body").asText()).isEqualTo(Base64Url.encode(built.body()));
        assertThat(tree.get("sig").asText()).isEqualTo(Base64Url.encode(built.signature()));
    }

    @Test
    void exactJsonOfAFullEnvelope() throws RelayException {
        Envelope e = Envelope.builder(Kind.STREAM).id(TestKeys.messageId(0x11)).to(BOB).ts(1234).expiresIn(60L)
                .threadId(TestKeys.messageId(0x22)).inReplyTo(TestKeys.messageId(0x33)).seq(7).contentType("text/plain")
                .body("hi").sign(TestKeys.alice());
        assertThat(e.toJsonString()).isEqualTo("{\"v\":1,\"id\":\"" + TestKeys.messageId(0x11) + "\",\"kind\":\"stream\",\"from\":\""
                + ALICE + "\",\"to\":\"" + BOB + "\",\"ts\":1234,\"expires_in\":60,\"thread_id\":\"" + TestKeys.messageId(0x22)
                + "\",\"in_reply_to\":\"" + TestKeys.messageId(0x33) + "\",\"seq\":7,\"content_type\":\"text/plain\",\"body\":\"aGk\",\"sig\":\""
                + Base64Url.encode(e.signature()) + "\"}");
    }

    // ---------------------------------------------------------------- signing input, independently

    private static void str(DataOutputStream out, String text) throws IOException {
        byte[] utf8 = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        out.writeShort(utf8.length);
        out.write(utf8);
    }

    private static byte[] expectedSigningInput(String kind, String id, String from, String to, long ts, long expiresIn,
                                               String threadId, String inReplyTo, Integer seq, String contentType,
                                               byte[] body) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        out.write(new byte[] {'R', 'E', 'L', 'A', 'Y', '-', 'E', 'N', 'V', 'E', 'L', 'O', 'P', 'E', '/', '1', 0});
        str(out, kind);
        str(out, id);
        str(out, from);
        str(out, to);
        out.writeLong(ts);
        out.writeInt((int) expiresIn);
        str(out, threadId);
        str(out, inReplyTo);
        out.writeInt(seq == null ? 0 : seq);
        out.writeByte(seq == null ? 0 : 1);
        str(out, contentType);
        out.write(MessageDigest.getInstance("SHA-256").digest(body));
        out.flush();
        return buffer.toByteArray();
    }

    @Test
    void signingInputLayoutWithEveryField() throws Exception {
        byte[] body = "turn the fan on".getBytes(StandardCharsets.UTF_8);
        Envelope e = Envelope.builder(Kind.STREAM).id(TestKeys.messageId(0x11)).to(BOB).ts(0x0102030405060708L >>> 8)
                .expiresIn(0x80000000L - 1).threadId(TestKeys.messageId(0x22)).inReplyTo(TestKeys.messageId(0x33))
                .seq(0x01020304).contentType("text/plain").body(body).sign(TestKeys.alice());
        byte[] expected = expectedSigningInput("stream", TestKeys.messageId(0x11), ALICE, BOB, 0x0102030405060708L >>> 8,
                0x7fffffffL, TestKeys.messageId(0x22), TestKeys.messageId(0x33), 0x01020304, "text/plain", body);

        assertThat(e.signingInput()).isEqualTo(expected);
        assertThat(expected).hasSize(17 + (2 + 6) + (2 + 22) + (2 + 43) + (2 + 43) + 8 + 4 + (2 + 22) + (2 + 22) + 4 + 1
                + (2 + 10) + 32);
        // Spot-check a few absolute offsets by hand.
        byte[] actual = e.signingInput();
        assertThat(new String(actual, 0, 17, StandardCharsets.US_ASCII)).isEqualTo("RELAY-ENVELOPE/1\0");
        assertThat(actual[17]).isEqualTo((byte) 0);
        assertThat(actual[18]).isEqualTo((byte) 6);
        assertThat(new String(actual, 19, 6, StandardCharsets.US_ASCII)).isEqualTo("stream");
        int tsAt = 17 + 8 + 24 + 45 + 45;
        assertThat(TestKeys.HEX.formatHex(actual, tsAt, tsAt + 12)).isEqualTo("00010203040506077fffffff");
        int seqAt = tsAt + 12 + 24 + 24;
        assertThat(TestKeys.HEX.formatHex(actual, seqAt, seqAt + 5)).isEqualTo("0102030401");
        assertThat(TestKeys.HEX.formatHex(actual, actual.length - 32, actual.length))
                .isEqualTo(TestKeys.HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        assertThat(TestKeys.alice().keyId().verify(expected, e.signature())).isTrue();
    }

    @Test
    void signingInputLayoutWithAbsentOptionals() throws Exception {
        Envelope e = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(0x44)).to(BOB).ts(TestKeys.T0).sign(TestKeys.alice());
        byte[] expected = expectedSigningInput("message", TestKeys.messageId(0x44), ALICE, BOB, TestKeys.T0, 0, null, null,
                null, null, new byte[0]);

        assertThat(e.signingInput()).isEqualTo(expected);
        // empty thread_id and in_reply_to: u16 0 each; seq u32 0 then flag 0; empty content_type u16 0; SHA-256("").
        int tail = expected.length - 32;
        assertThat(TestKeys.HEX.formatHex(expected, tail - 2 - 5 - 4, tail))
                .isEqualTo("00000000" + "0000000000" + "0000");
        assertThat(TestKeys.HEX.formatHex(expected, tail, expected.length))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void seqZeroIsDistinguishedFromAbsentSeqByTheFlag() throws Exception {
        Envelope stream = Envelope.builder(Kind.STREAM).id(TestKeys.messageId(1)).to(BOB).ts(5).inReplyTo(TestKeys.messageId(2))
                .seq(0).sign(TestKeys.alice());
        byte[] input = stream.signingInput();
        assertThat(input[input.length - 32 - 2 - 1]).isEqualTo((byte) 1);
    }

    @Test
    void signatureBindsEveryField() throws RelayException {
        String base = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(BOB).ts(TestKeys.T0).expiresIn(60L)
                .threadId(TestKeys.messageId(2)).inReplyTo(TestKeys.messageId(3)).contentType("text/plain").body("a")
                .sign(TestKeys.alice()).toJsonString();
        List<String> variants = List.of(
                base.replace("\"id\":\"" + TestKeys.messageId(1), "\"id\":\"" + TestKeys.messageId(4)),
                base.replace("\"to\":\"" + BOB, "\"to\":\"" + TestKeys.mallory().keyId()),
                base.replace("\"ts\":" + TestKeys.T0, "\"ts\":" + (TestKeys.T0 + 1)),
                base.replace("\"expires_in\":60", "\"expires_in\":61"),
                base.replace(",\"expires_in\":60", ""),
                base.replace("\"thread_id\":\"" + TestKeys.messageId(2), "\"thread_id\":\"" + TestKeys.messageId(4)),
                base.replace(",\"thread_id\":\"" + TestKeys.messageId(2) + "\"", ""),
                base.replace("\"in_reply_to\":\"" + TestKeys.messageId(3), "\"in_reply_to\":\"" + TestKeys.messageId(4)),
                base.replace(",\"in_reply_to\":\"" + TestKeys.messageId(3) + "\"", ""),
                base.replace("\"content_type\":\"text/plain\"", "\"content_type\":\"text/html\""),
                base.replace(",\"content_type\":\"text/plain\"", ""),
                base.replace("\"body\":\"YQ\"", "\"body\":\"Yg\""),
                base.replace("\"body\":\"YQ\"", "\"body\":\"\""),
                base.replace("\"kind\":\"message\"", "\"kind\":\"error\""),
                base.replace("\"kind\":\"message\"", "\"kind\":\"response\""));
        assertThat(Envelope.parse(TestKeys.utf8(base)).verify()).isEqualTo(TestKeys.alice().keyId());
        for (String variant : variants) {
            assertThat(variant).isNotEqualTo(base);
            Envelope parsed = Envelope.parse(TestKeys.utf8(variant));
            assertThatThrownBy(parsed::verify).as(variant)
                    .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_SIGNATURE));
        }
    }

    @Test
    void equalityCoversEveryFieldNotOnlyTheSignature() throws RelayException {
        String base = Envelope.builder(Kind.STREAM).id(TestKeys.messageId(1)).to(BOB).ts(TestKeys.T0).expiresIn(60L)
                .threadId(TestKeys.messageId(2)).inReplyTo(TestKeys.messageId(3)).seq(4).contentType("text/plain")
                .body("a").sign(TestKeys.alice()).toJsonString();
        Envelope original = Envelope.parse(TestKeys.utf8(base));
        assertThat(Envelope.parse(TestKeys.utf8(base))).isEqualTo(original).hasSameHashCodeAs(original);
        // Same signature, one field changed: still parses (verification would fail), and must not be equal.
        List<String> variants = List.of(
                base.replace("\"id\":\"" + TestKeys.messageId(1), "\"id\":\"" + TestKeys.messageId(4)),
                base.replace("\"to\":\"" + BOB, "\"to\":\"" + TestKeys.mallory().keyId()),
                base.replace("\"ts\":" + TestKeys.T0, "\"ts\":" + (TestKeys.T0 + 1)),
                base.replace(",\"expires_in\":60", ""),
                base.replace(",\"thread_id\":\"" + TestKeys.messageId(2) + "\"", ""),
                base.replace("\"in_reply_to\":\"" + TestKeys.messageId(3), "\"in_reply_to\":\"" + TestKeys.messageId(4)),
                base.replace("\"seq\":4", "\"seq\":5"),
                base.replace(",\"content_type\":\"text/plain\"", ""),
                base.replace("\"body\":\"YQ\"", "\"body\":\"Yg\""));
        for (String variant : variants) {
            assertThat(variant).isNotEqualTo(base);
            assertThat(Envelope.parse(TestKeys.utf8(variant))).as(variant).isNotEqualTo(original);
        }
    }

    @Test
    void digestIsSha256OfTheSigningInput() throws Exception {
        Envelope e = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(7)).to(BOB).ts(TestKeys.T0).body("x").sign(TestKeys.alice());
        assertThat(e.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(e.signingInput())).hasSize(32);
        Envelope other = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(7)).to(BOB).ts(TestKeys.T0).body("y").sign(TestKeys.alice());
        assertThat(other.digest()).isNotEqualTo(e.digest());
    }

    @Test
    void verifyAgainstAnotherConnectionIsSenderMismatch() throws RelayException {
        Envelope e = Envelope.builder(Kind.MESSAGE).to(BOB).sign(TestKeys.alice());
        assertThatThrownBy(() -> e.verify(TestKeys.mallory().keyId()))
                .isInstanceOfSatisfying(RelayException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.SENDER_MISMATCH));
    }

    @Test
    void verifyOfAFromThatIsNotAValidPointIsBadSignature() throws RelayException {
        String json = Envelope.builder(Kind.MESSAGE).to(BOB).ts(TestKeys.T0).sign(TestKeys.alice()).toJsonString();
        byte[] identity = new byte[32];
        identity[0] = 1;
        Envelope parsed = Envelope.parse(TestKeys.utf8(json.replace("\"from\":\"" + ALICE, "\"from\":\"" + Base64Url.encode(identity))));
        assertThatThrownBy(parsed::verify)
                .isInstanceOfSatisfying(RelayException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.BAD_SIGNATURE));
    }

    @Test
    void signFillsInAUuid7IdAndTheCurrentTime() throws RelayException {
        long before = System.currentTimeMillis();
        Envelope e = Envelope.builder(Kind.MESSAGE).to(BOB).sign(TestKeys.alice());
        long after = System.currentTimeMillis();
        assertThat(e.ts()).isBetween(before, after);
        byte[] id = Base64Url.decode(e.id(), "id", 16);
        long millis = 0;
        for (int i = 0; i < 6; i++) {
            millis = (millis << 8) | (id[i] & 0xff);
        }
        assertThat(millis).isEqualTo(e.ts());
        assertThat(e.verify()).isEqualTo(TestKeys.alice().keyId());
    }

    @Test
    void defaultsAndAccessors() throws RelayException {
        Envelope e = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(BOB).ts(TestKeys.T0).body("abc").sign(TestKeys.alice());
        assertThat(e.contentType()).isNull();
        assertThat(e.effectiveContentType()).isEqualTo("application/octet-stream");
        assertThat(e.expiresIn()).isNull();
        assertThat(e.expiresAtMillis(Ttl.MAX_SECONDS)).isEqualTo(TestKeys.T0 + 604_800_000L);
        e.body()[0] = 'X';
        assertThat(e.body()).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
        e.signature()[0] ^= 1;
        assertThat(e.verify()).isEqualTo(TestKeys.alice().keyId());
        assertThat(e.toString()).contains("message", e.id(), ALICE, BOB);
    }

    @Test
    void builderCopiesTheBody() throws RelayException {
        byte[] body = {1, 2, 3};
        Envelope.Builder builder = Envelope.builder(Kind.MESSAGE).to(BOB).body(body);
        body[0] = 9;
        assertThat(builder.sign(TestKeys.alice()).body()).containsExactly(1, 2, 3);
    }

    static Stream<Arguments> builderRefusals() {
        return Stream.of(
                Arguments.of("no recipient", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b, ErrorCode.MALFORMED),
                Arguments.of("message to sys", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to("sys"), ErrorCode.MALFORMED),
                Arguments.of("request to a key", Kind.REQUEST, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB), ErrorCode.MALFORMED),
                Arguments.of("stream without seq", Kind.STREAM,
                        (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).inReplyTo(TestKeys.messageId(1)), ErrorCode.MALFORMED),
                Arguments.of("stream without in_reply_to", Kind.STREAM, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).seq(0),
                        ErrorCode.MALFORMED),
                Arguments.of("receipt without in_reply_to", Kind.RECEIPT, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB),
                        ErrorCode.MALFORMED),
                Arguments.of("response without in_reply_to", Kind.RESPONSE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB),
                        ErrorCode.MALFORMED),
                Arguments.of("seq on message", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).seq(1), ErrorCode.MALFORMED),
                Arguments.of("negative seq", Kind.STREAM,
                        (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).inReplyTo(TestKeys.messageId(1)).seq(-1), ErrorCode.MALFORMED),
                Arguments.of("bad id", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).id("short"), ErrorCode.MALFORMED),
                Arguments.of("negative ts", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).ts(-1), ErrorCode.MALFORMED),
                Arguments.of("ts 2^53", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).ts(1L << 53), ErrorCode.MALFORMED),
                Arguments.of("ttl 0", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).expiresIn(0L), ErrorCode.BAD_TTL),
                Arguments.of("ttl 2^31", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).expiresIn(1L << 31),
                        ErrorCode.BAD_TTL),
                Arguments.of("empty content type", Kind.MESSAGE, (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).contentType(""),
                        ErrorCode.MALFORMED),
                Arguments.of("body too large", Kind.MESSAGE,
                        (UnaryOperator<Envelope.Builder>) b -> b.to(BOB).body(new byte[Envelope.MAX_BODY_BYTES + 1]), ErrorCode.TOO_LARGE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builderRefusals")
    void builderValidatesLikeTheParser(String name, Kind kind, UnaryOperator<Envelope.Builder> fill, ErrorCode expected) {
        assertThatThrownBy(() -> fill.apply(Envelope.builder(kind)).sign(TestKeys.alice()))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(expected));
    }

    @Test
    void aMessageThatStartsAThreadCarriesItsOwnIdAsThreadIdUnderItsSignature() throws RelayException {
        Envelope first = Envelope.builder(Kind.MESSAGE).to(BOB).startsThread().body("hello").sign(TestKeys.alice());

        assertThat(first.threadId()).isEqualTo(first.id());
        Envelope parsed = Envelope.parse(first.toJson());
        parsed.verify();
        assertThat(parsed.threadId()).isEqualTo(first.id());
    }

    @Test
    void anExplicitThreadIdWinsOverStartingOne() throws RelayException {
        Envelope later = Envelope.builder(Kind.MESSAGE).to(BOB).threadId(TestKeys.messageId(7)).startsThread()
                .sign(TestKeys.alice());

        assertThat(later.threadId()).isEqualTo(TestKeys.messageId(7));
    }
}
