package dev.relay.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * A delivery receipt (SPEC §3.5.2): signed by the recipient, it quotes the SHA-256 of the exact message it received,
 * so it proves receipt of that message and cannot be made by anyone else.
 *
 * @param messageId the receipted message's id
 * @param digest    SHA-256 of the receipted envelope's signing input
 * @param status    {@code delivered} or {@code read}
 */
public record Receipt(String messageId, byte[] digest, String status) {

    /** A signed receipt for {@code received}, from its recipient back to its sender. */
    public static Envelope create(RelayKeyPair recipient, Envelope received, String status) throws RelayException {
        requireStatus(status);
        return Envelope.builder(Kind.RECEIPT).to(received.from()).inReplyTo(received.id())
                .threadId(received.threadId()).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.receipt(received, status)).sign(recipient);
    }

    public static Receipt parse(Envelope receipt) throws RelayException {
        if (receipt.kind() != Kind.RECEIPT) {
            throw new RelayException(ErrorCode.MALFORMED, "not a receipt envelope");
        }
        ObjectNode body = Json.readObject(receipt.body(), "receipt body");
        String messageId = MessageId.requireValid(text(body, "message_id"), "message_id");
        if (!messageId.equals(receipt.inReplyTo())) {
            throw new RelayException(ErrorCode.MALFORMED, "receipt message_id differs from in_reply_to");
        }
        byte[] digest = Base64Url.decode(text(body, "digest"), "digest", 32);
        String status = text(body, "status");
        requireStatus(status);
        return new Receipt(messageId, digest, status);
    }

    /** Whether this receipt is for exactly {@code sent}. */
    public boolean matches(Envelope sent) {
        return sent.id().equals(messageId) && Arrays.equals(sent.digest(), digest);
    }

    private static void requireStatus(String status) throws RelayException {
        if (!"delivered".equals(status) && !"read".equals(status)) {
            throw new RelayException(ErrorCode.MALFORMED, "receipt status must be delivered or read");
        }
    }

    private static String text(ObjectNode body, String field) throws RelayException {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual()) {
            throw new RelayException(ErrorCode.MALFORMED, "receipt body needs a string '" + field + "'");
        }
        return node.asText();
    }
}
