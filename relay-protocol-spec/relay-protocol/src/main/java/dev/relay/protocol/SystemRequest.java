package dev.relay.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * The body of a {@code request} envelope: {@code {"op": "...", "args": {...}}} (SPEC §8.5).
 *
 * @param op   the operation
 * @param args its arguments (an empty object when absent)
 */
public record SystemRequest(SystemOp op, ObjectNode args) {
    private static final Set<String> BODY_FIELDS = Set.of("op", "args");

    public static SystemRequest parse(Envelope request) throws RelayException {
        if (request.kind() != Kind.REQUEST) {
            throw new RelayException(ErrorCode.MALFORMED, "not a request envelope");
        }
        ObjectNode body = Json.readObject(request.body(), "request body");
        Json.requireOnlyFields(body, BODY_FIELDS, "request body");
        JsonNode op = body.get("op");
        if (op == null || !op.isTextual()) {
            throw new RelayException(ErrorCode.MALFORMED, "request body needs a string 'op'");
        }
        JsonNode args = body.get("args");
        if (args != null && !args.isObject()) {
            throw new RelayException(ErrorCode.MALFORMED, "request 'args' must be an object");
        }
        return new SystemRequest(SystemOp.fromWire(op.asText()),
                args == null ? Json.MAPPER.createObjectNode() : (ObjectNode) args);
    }

    /** The request body JSON for {@code op} with {@code args}. */
    public static byte[] body(SystemOp op, Map<String, ?> args) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("op", op.wireName());
        body.set("args", Json.MAPPER.valueToTree(args));
        return JsonBodies.bytes(body);
    }

    /** A signed request envelope. */
    public static Envelope envelope(RelayKeyPair requester, SystemOp op, Map<String, ?> args) throws RelayException {
        return Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).contentType(JsonBodies.CONTENT_TYPE)
                .body(body(op, args)).sign(requester);
    }
}
