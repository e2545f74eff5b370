package dev.relay.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Bodies of the relay's own envelopes: responses {@code {"op","result"}}, errors {@code {"code","message"}} (plus
 * {@code "retry_after"} for {@code rate_limited}) and receipts {@code {"message_id","digest","status"}} (SPEC §3.5).
 */
public final class JsonBodies {
    public static final String CONTENT_TYPE = "application/json";

    private JsonBodies() {
    }

    public static byte[] response(SystemOp op, JsonNode result) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("op", op.wireName());
        body.set("result", result);
        return bytes(body);
    }

    public static byte[] error(ErrorCode code, String message) {
        return bytes(errorNode(code, message));
    }

    /** A {@code rate_limited} error body, which also carries {@code retry_after} in seconds (SPEC §3.5.6). */
    public static byte[] rateLimited(String message, long retryAfterSeconds) {
        ObjectNode body = errorNode(ErrorCode.RATE_LIMITED, message);
        body.put("retry_after", retryAfterSeconds);
        return bytes(body);
    }

    private static ObjectNode errorNode(ErrorCode code, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("code", code.code());
        body.put("message", message == null ? code.description() : message);
        return body;
    }

    public static byte[] receipt(Envelope received, String status) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("message_id", received.id());
        body.put("digest", Base64Url.encode(received.digest()));
        body.put("status", status);
        return bytes(body);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
