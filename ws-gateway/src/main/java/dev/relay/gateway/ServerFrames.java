package dev.relay.gateway;

import dev.relay.protocol.Json;
import java.nio.charset.StandardCharsets;

/** The gateway's frames (SPEC §13.4), written with Jackson's generator; envelopes are inserted as raw JSON text. */
final class ServerFrames {

    private ServerFrames() {
    }

    static String challenge(String nonce, String realm, long authTimeoutSeconds) {
        return Json.object(g -> {
            g.writeStringField("type", "challenge");
            g.writeStringField("nonce", nonce);
            g.writeStringField("realm", realm);
            g.writeNumberField("auth_timeout", authTimeoutSeconds);
        });
    }

    static String welcome(String keyId, String clientId, boolean sessionPresent, GatewayConfig config) {
        return Json.object(g -> {
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
        return Json.object(g -> {
            g.writeStringField("type", "message");
            g.writeNumberField("delivery", delivery);
            g.writeFieldName("envelope");
            g.writeRawValue(envelopeJson);
        });
    }

    static String accepted(String ref, String id) {
        return Json.object(g -> {
            g.writeStringField("type", "accepted");
            g.writeStringField("ref", ref);
            if (id != null) {
                g.writeStringField("id", id);
            }
        });
    }

    static String error(String code, String message, String ref, String id, Long retryAfter) {
        return Json.object(g -> {
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
        return Json.object(g -> {
            g.writeStringField("type", "pong");
            if (ref == null) {
                g.writeNullField("ref");
            } else {
                g.writeStringField("ref", ref);
            }
            g.writeNumberField("ts", nowMillis);
        });
    }

    /** UTF-8 size without encoding a copy (frames carry envelopes of up to 256 KiB). */
    static long utf8Length(String text) {
        long bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1; // a surrogate pair is 4 bytes in all
            }
        }
        return bytes;
    }

    /** A close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
    static String fitCloseReason(String reason) {
        String fitted = reason;
        while (fitted.getBytes(StandardCharsets.UTF_8).length > 123) {
            fitted = fitted.substring(0, fitted.length() - 1);
        }
        return fitted;
    }

    /** Client text quoted back in an error frame, cut to 40 characters. */
    static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
