package dev.relay.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.ProfileCard;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.SystemOp;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One identity connected to a relay, whatever the transport: the device client (MQTT) and the agent client (WebSocket
 * gateway) both implement it, so applications and the {@code relay} command line work with either.
 *
 * <p>Futures fail with a {@link RelayClientException} whose {@link RelayClientException#code() code} is the relay's
 * (SPEC §10.1), the transport's, or a client-side one such as {@code timeout} or {@code not_connected}.
 */
public interface RelayClient extends AutoCloseable {
    /** Content type of text bodies sent by the shortcuts. */
    String TEXT_PLAIN = "text/plain";

    /** The identity this client speaks for. */
    KeyId keyId();

    /**
     * Sends a signed envelope; completes with its id when the relay accepted it (or already had it), or fails with the
     * refusal's code (e.g. {@code acl_denied}, {@code rate_limited} with a retry-after).
     */
    CompletableFuture<String> send(Envelope envelope);

    /** Signs {@code envelope} with this client's key (new id and current time unless set) and sends it. */
    CompletableFuture<String> send(Envelope.Builder envelope);

    /**
     * Calls a system operation (SPEC §8.5): completes with the response's {@code result}, or fails with the error
     * envelope's code ({@code malformed}, {@code not_found}, …), the send's refusal, or {@code timeout}.
     */
    CompletableFuture<JsonNode> request(SystemOp op, Map<String, ?> args);

    /** Closes the connection and releases the client's threads. Idempotent. */
    @Override
    void close();

    /** A {@code message} to {@code to} with the relay's default TTL. */
    default CompletableFuture<String> message(KeyId to, String contentType, byte[] body) {
        return message(to, contentType, body, null);
    }

    /**
     * A {@code message} that expires {@code ttl} (whole seconds, at least 1) after now; null for the default. It starts
     * a conversation: its own id is its {@code thread_id} (SPEC §7.1), and {@link #reply} continues that thread.
     */
    default CompletableFuture<String> message(KeyId to, String contentType, byte[] body, Duration ttl) {
        return send(Envelope.builder(Kind.MESSAGE).to(to).contentType(contentType).body(body).startsThread()
                .expiresIn(ttl == null ? null : ttl.toSeconds()));
    }

    /** A {@code message} to the sender of {@code original}, {@code in_reply_to} it, in its thread. */
    default CompletableFuture<String> reply(Envelope original, String contentType, byte[] body) {
        return send(Envelope.builder(Kind.MESSAGE).to(original.from()).inReplyTo(original.id())
                .threadId(original.threadId()).contentType(contentType).body(body));
    }

    /** A signed receipt for {@code original} to its sender; {@code status} is {@code delivered} or {@code read}. */
    CompletableFuture<String> receipt(Envelope original, String status);

    /**
     * Waits for a receipt of {@code sent} (a message this client sent): completes when the recipient's signed receipt
     * with the message's digest arrives, fails with {@code timeout}. Call it before sending, as receipts can be quick.
     */
    CompletableFuture<Receipt> awaitReceipt(Envelope sent, Duration timeout);

    /** Starts a streamed reply to {@code original} ({@code stream} chunks, then a final {@code message}). */
    default StreamReply streamReply(Envelope original) {
        return new StreamReply(this, original);
    }

    /** {@code relay.info}: realm, relay key, limits. */
    default CompletableFuture<JsonNode> relayInfo() {
        return request(SystemOp.RELAY_INFO, Map.of());
    }

    /** {@code profile.get} for {@code keyId}, or for this identity when null. */
    default CompletableFuture<JsonNode> profileGet(KeyId keyId) {
        return request(SystemOp.PROFILE_GET, args("key_id", keyId == null ? null : keyId.toString()));
    }

    /** {@code profile.set}: publishes this identity's card. */
    default CompletableFuture<JsonNode> profileSet(ProfileCard card) {
        return request(SystemOp.PROFILE_SET, Map.of("card", card.toJson()));
    }

    /** {@code discover} with any of {@code tag}, {@code capability}, {@code text}, {@code limit}, {@code cursor}. */
    default CompletableFuture<JsonNode> discover(Map<String, ?> query) {
        return request(SystemOp.DISCOVER, query == null ? Map.of() : query);
    }

    /** {@code presence.get} for 1..50 identities. */
    default CompletableFuture<JsonNode> presence(KeyId... keyIds) {
        return request(SystemOp.PRESENCE_GET, Map.of("key_ids", texts(Arrays.asList(keyIds))));
    }

    /** {@code policy.get}: this identity's inbox policy. */
    default CompletableFuture<JsonNode> policyGet() {
        return request(SystemOp.POLICY_GET, Map.of());
    }

    /** {@code policy.set}: each non-null argument replaces the stored value. */
    default CompletableFuture<JsonNode> policySet(PolicyMode mode, Collection<KeyId> allow, Collection<KeyId> block) {
        return request(SystemOp.POLICY_SET, args("mode", mode == null ? null : mode.wireName(),
                "allow", allow == null ? null : texts(allow), "block", block == null ? null : texts(block)));
    }

    /** {@code policy.add}: adds {@code keys} to the {@code allow} or {@code block} list. */
    default CompletableFuture<JsonNode> policyAdd(String list, Collection<KeyId> keys) {
        return request(SystemOp.POLICY_ADD, Map.of("list", list, "keys", texts(keys)));
    }

    /** {@code policy.remove}: removes {@code keys} from the {@code allow} or {@code block} list. */
    default CompletableFuture<JsonNode> policyRemove(String list, Collection<KeyId> keys) {
        return request(SystemOp.POLICY_REMOVE, Map.of("list", list, "keys", texts(keys)));
    }

    /** {@code thread.history}, newest first; {@code before} is the previous page's {@code next} cursor, or null. */
    default CompletableFuture<JsonNode> threadHistory(String threadId, String before) {
        return request(SystemOp.THREAD_HISTORY, args("thread_id", threadId, "before", before));
    }

    /** Arguments from name/value pairs, leaving out null values (SPEC §8.5: null counts as absent anyway). */
    private static Map<String, Object> args(Object... namesAndValues) {
        Map<String, Object> args = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                args.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return args;
    }

    private static List<String> texts(Collection<KeyId> keyIds) {
        return keyIds.stream().map(KeyId::toString).toList();
    }
}
