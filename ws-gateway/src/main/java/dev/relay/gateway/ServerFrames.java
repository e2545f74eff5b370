package dev.relay.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** The gateway's frames (SPEC §13.4), written with Jackson's generator; envelopes are inserted as raw JSON text. */
final class ServerFrames {
    private static final JsonFactory FACTORY = new JsonFactory();

    private ServerFrames() {
    }

    static String challenge(String nonce, String realm, long authTimeoutSeconds) {
        return write(g -> {
            g.writeStringField("type", "challenge");
            g.writeStringField("nonce", nonce);
            g.writeStringField("realm", realm);
            g.writeNumberField("auth_timeout", authTimeoutSeconds);
        });
    }

    static String welcome(String keyId, String clientId, boolean sessionPresent, GatewayConfig config) {
        return write(g -> {
            g.writeStringField("type", "welcome");
            g.writeStringField("key_id", keyId);
            g.writeStringField("client_id", clientId);
            g.writeBooleanField("session_present", sessionPresent);
            g.writeStringField("realm", config.realm);
            g.writeObjectFieldStart("limits");
            g.writeNumberField("max_frame_bytes", config.maxFrameBytes);
            g.writeNumberField("max_unacked", config.maxUnacked);
            g.writeNumberField("max_pending_sends", config.maxPendingSends);
            g.writeNumberField("idle_timeout", config.idleTimeout.toSeconds());
            g.writeEndObject();
        });
    }

    /** {@code envelopeJson} must be one JSON object (checked by the caller). */
    static String message(long delivery, String envelopeJson) {
        return write(g -> {
            g.writeStringField("type", "message");
            g.writeNumberField("delivery", delivery);
            g.writeFieldName("envelope");
            g.writeRawValue(envelopeJson);
        });
    }

    static String accepted(String ref, String id) {
        return write(g -> {
            g.writeStringField("type", "accepted");
            g.writeStringField("ref", ref);
            if (id != null) {
                g.writeStringField("id", id);
            }
        });
    }

    static String error(String code, String message, String ref, String id, Long retryAfter) {
        return write(g -> {
            g.writeStringField("type", "error");
            g.writeStringField("code", code);
            g.writeStringField("message", message);
            if (ref == null) {
                g.writeNullField("ref");
            } else {
                g.writeStringField("ref", ref);
            }
            if (id != null) {
                g.writeStringField("id", id);
            }
            if (retryAfter != null) {
                g.writeNumberField("retry_after", retryAfter);
            }
        });
    }

    static String pong(String ref, long nowMillis) {
        return write(g -> {
            g.writeStringField("type", "pong");
            if (ref == null) {
                g.writeNullField("ref");
            } else {
                g.writeStringField("ref", ref);
            }
            g.writeNumberField("ts", nowMillis);
        });
    }

    private interface Members {
        void write(JsonGenerator generator) throws IOException;
    }

    private static String write(Members members) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            members.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
