package dev.relay.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON frames of the WebSocket gateway (SPEC §13.4), client side: builds the frames a client sends and parses the
 * frames a gateway sends. Envelopes are never re-serialised: a {@code send} frame carries the envelope's own bytes, and
 * a {@code message} frame yields the exact text of its {@code envelope} object, which is what was signed and what the
 * strict envelope parser must see.
 */
public final class AgentFrames {
    /** The WebSocket subprotocol of gateway v1. */
    public static final String SUBPROTOCOL = "relay.v1";

    // Frames may be larger than an envelope (max_frame_bytes, 327680 by default), so the protocol library's mapper,
    // bounded to one envelope, is not used here; the strict checks happen in Envelope.parse on the extracted text.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
            .build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

    private AgentFrames() {
    }

    /** What a gateway can send. */
    public sealed interface ServerFrame permits Challenge, Welcome, Delivery, Accepted, ErrorFrame, Pong, Other {
    }

    /** {@code challenge}: sign a connect token over {@code nonce} for audience {@code realm}. */
    public record Challenge(String nonce, String realm, int authTimeoutSeconds) implements ServerFrame {
    }

    /** {@code welcome}: authenticated; {@code sessionPresent} when the broker resumed a previous session. */
    public record Welcome(String keyId, String clientId, boolean sessionPresent, String realm, int maxFrameBytes,
                          int maxUnacked, int maxPendingSends, int idleTimeoutSeconds) implements ServerFrame {
    }

    /** {@code message}: one inbox envelope, as its exact JSON text, to be acknowledged with {@code delivery}. */
    public record Delivery(long delivery, String envelopeJson) implements ServerFrame {
    }

    /** {@code accepted}: the send with {@code ref} was accepted (or was a duplicate). */
    public record Accepted(String ref, String id) implements ServerFrame {
    }

    /** {@code error}: a refusal; {@code ref}, {@code id} and {@code retryAfterSeconds} may be null. */
    public record ErrorFrame(String code, String message, String ref, String id, Long retryAfterSeconds)
            implements ServerFrame {
    }

    /** {@code pong}: answers the ping with {@code ref}; {@code ts} is the gateway clock in unix ms. */
    public record Pong(String ref, long ts) implements ServerFrame {
    }

    /** A frame type this client does not know (new types may be added in v1); ignored. */
    public record Other(String type) implements ServerFrame {
    }

    /** {@code {"type":"auth","key_id":…,"token":…,"session":…}}; {@code session} may be null (gateway default). */
    public static String auth(String keyId, String token, String session) {
        return auth(keyId, token, session, false);
    }

    /** The auth frame, with {@code "transient":true} for a session that ends with the connection (SPEC §13.3). */
    public static String auth(String keyId, String token, String session, boolean transientSession) {
        return Json.object(json -> {
            json.writeStringField("type", "auth");
            json.writeStringField("key_id", keyId);
            json.writeStringField("token", token);
            if (session != null) {
                json.writeStringField("session", session);
            }
            if (transientSession) {
                json.writeBooleanField("transient", true);
            }
        });
    }

    /** {@code {"type":"send","ref":…,"envelope":<the envelope's bytes verbatim>}}. */
    public static String send(String ref, byte[] envelopeJson) {
        return "{\"type\":\"send\",\"ref\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(ref))
                + "\",\"envelope\":" + new String(envelopeJson, StandardCharsets.UTF_8) + "}";
    }

    public static String ack(long delivery) {
        return "{\"type\":\"ack\",\"delivery\":" + delivery + "}";
    }

    public static String ping(String ref) {
        return Json.object(json -> {
            json.writeStringField("type", "ping");
            json.writeStringField("ref", ref);
        });
    }

    /** Parses a gateway frame; anything that is not a valid frame is {@link AgentException#PROTOCOL_ERROR}. */
    public static ServerFrame parse(String text) throws AgentException {
        ObjectNode members = MAPPER.createObjectNode();
        String envelopeJson = null;
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw protocolError("frame is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("envelope") && value == JsonToken.START_OBJECT) {
                    // The char offsets of '{' and just past the matching '}' delimit the exact envelope text.
                    long start = parser.currentTokenLocation().getCharOffset();
                    parser.skipChildren();
                    long end = parser.currentLocation().getCharOffset();
                    envelopeJson = text.substring((int) start, (int) end);
                } else {
                    members.set(name, MAPPER.readTree(parser));
                }
            }
            if (parser.nextToken() != null) {
                throw protocolError("data after the frame's JSON object");
            }
        } catch (IOException | RuntimeException e) {
            throw new AgentException(AgentException.PROTOCOL_ERROR, "frame is not valid JSON: " + e.getMessage(), e);
        }
        return toFrame(members, envelopeJson);
    }

    private static ServerFrame toFrame(ObjectNode frame, String envelopeJson) throws AgentException {
        String type = text(frame, "type", true);
        switch (type) {
            case "challenge":
                return new Challenge(text(frame, "nonce", true), text(frame, "realm", true),
                        frame.path("auth_timeout").asInt(10));
            case "welcome":
                JsonNode limits = frame.path("limits");
                return new Welcome(text(frame, "key_id", true), text(frame, "client_id", false),
                        frame.path("session_present").asBoolean(false), text(frame, "realm", false),
                        limits.path("max_frame_bytes").asInt(327_680), limits.path("max_unacked").asInt(32),
                        limits.path("max_pending_sends").asInt(32), limits.path("idle_timeout").asInt(60));
            case "message":
                JsonNode delivery = frame.get("delivery");
                if (delivery == null || !delivery.canConvertToExactIntegral() || delivery.asLong() < 1
                        || envelopeJson == null) {
                    throw protocolError("message frame needs a positive 'delivery' and an 'envelope' object");
                }
                return new Delivery(delivery.asLong(), envelopeJson);
            case "accepted":
                return new Accepted(text(frame, "ref", true), text(frame, "id", false));
            case "error":
                JsonNode retryAfter = frame.get("retry_after");
                return new ErrorFrame(text(frame, "code", true), text(frame, "message", false),
                        text(frame, "ref", false), text(frame, "id", false),
                        retryAfter != null && retryAfter.canConvertToLong() ? retryAfter.asLong() : null);
            case "pong":
                return new Pong(text(frame, "ref", true), frame.path("ts").asLong());
            default:
                return new Other(type);
        }
    }

    private static String text(ObjectNode frame, String name, boolean required) throws AgentException {
        JsonNode value = frame.get(name);
        if (value != null && value.isTextual()) {
            return value.asText();
        }
        if (required) {
            throw protocolError("frame needs a string '" + name + "'");
        }
        return null;
    }

    private static AgentException protocolError(String message) {
        return new AgentException(AgentException.PROTOCOL_ERROR, message);
    }
}
