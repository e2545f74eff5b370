package dev.relay.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.store.AuditEvent;
import dev.relay.store.CardQuery;
import dev.relay.store.CardRecord;
import dev.relay.store.HistoryCursor;
import dev.relay.store.MessageRecord;
import dev.relay.store.PolicyRecord;
import dev.relay.store.Presence;
import dev.relay.store.RelayStore;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.Json;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.ProfileCard;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.protocol.Ttl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers system requests (SPEC §8.5). Each request acts on the requester's own data only: there is no argument that
 * names another identity's policy or card, so "change someone else's policy" cannot even be expressed.
 */
final class SystemRequests {
    private static final Logger LOG = LoggerFactory.getLogger(SystemRequests.class);
    /** Room left in a response body for the envelope around lists; keeps every answer under the body limit. */
    private static final int RESPONSE_BUDGET = Envelope.MAX_BODY_BYTES - 8192;
    private static final int MAX_PRESENCE_KEYS = 50;
    /**
     * Largest profile.set request body. Cards are answered with their signed request envelope, so this bound keeps
     * one card (card + envelope, about 80 KB at most) within a response body.
     */
    static final int MAX_CARD_REQUEST_BYTES = 32_768;

    private final RelayConfig config;
    private final RelayStore store;
    private final RelayKeyPair relayKey;
    private final KeyIdCache keyIds;
    private final Clock clock;

    /** SPEC §4.5 as the broker does it; set by the adapter through {@link RelayEngine#useBrokerSessions}. */
    private volatile boolean sessionsCompete = true;

    void sessionsCompete(boolean compete) {
        this.sessionsCompete = compete;
    }

    SystemRequests(RelayConfig config, RelayStore store, RelayKeyPair relayKey, KeyIdCache keyIds, Clock clock) {
        this.config = config;
        this.store = store;
        this.relayKey = relayKey;
        this.keyIds = keyIds;
        this.clock = clock;
    }

    /** The response (or error) envelope for a verified request. */
    Envelope answer(KeyId requester, Envelope request) {
        try {
            SystemRequest parsed = SystemRequest.parse(request);
            JsonNode result = dispatch(requester, parsed.op(), new Args(parsed.args()), request);
            return sign(Envelope.builder(Kind.RESPONSE).to(requester).inReplyTo(request.id())
                    .expiresIn(request.expiresIn()).contentType(JsonBodies.CONTENT_TYPE)
                    .body(JsonBodies.response(parsed.op(), result)));
        } catch (RelayException e) {
            LOG.debug("System request {} by {} refused: {}", request.id(), requester, e.reasonString());
            return error(requester, request.id(), e, 0);
        } catch (RuntimeException e) {
            // The request is already recorded, so a retry would be a duplicate: answer it now, as internal.
            LOG.error("System request {} ({}) by {} failed inside the relay", request.id(), request.kind(), requester, e);
            return error(requester, request.id(), new RelayException(ErrorCode.INTERNAL, "relay internal error"), 0);
        }
    }

    /** An error envelope {"code","message"}; a rate_limited one also carries "retry_after" (SPEC §3.5.6). */
    Envelope error(KeyId to, String inReplyTo, RelayException error, long retryAfterSeconds) {
        byte[] body = error.code() == ErrorCode.RATE_LIMITED && retryAfterSeconds > 0
                ? JsonBodies.rateLimited(error.getMessage(), retryAfterSeconds)
                : JsonBodies.error(error.code(), error.getMessage());
        return sign(Envelope.builder(Kind.ERROR).to(to).inReplyTo(inReplyTo).contentType(JsonBodies.CONTENT_TYPE)
                .body(body));
    }

    private Envelope sign(Envelope.Builder builder) {
        try {
            return builder.ts(clock.millis()).sign(relayKey);
        } catch (RelayException e) {
            throw new IllegalStateException("the relay built an invalid envelope", e);
        }
    }

    private JsonNode dispatch(KeyId requester, SystemOp op, Args args, Envelope request) throws RelayException {
        return switch (op) {
            case RELAY_INFO -> relayInfo(args);
            case POLICY_GET -> policyGet(requester, args);
            case POLICY_SET -> policySet(requester, args);
            case POLICY_ADD -> policyChange(requester, args, true);
            case POLICY_REMOVE -> policyChange(requester, args, false);
            case PROFILE_SET -> profileSet(requester, args, request);
            case PROFILE_GET -> profileGet(requester, args);
            case DISCOVER -> discover(args);
            case PRESENCE_GET -> presenceGet(requester, args);
            case THREAD_HISTORY -> threadHistory(requester, args);
        };
    }

    private JsonNode relayInfo(Args args) throws RelayException {
        args.only();
        ObjectNode info = Json.MAPPER.createObjectNode();
        info.put("spec", "v1");
        info.put("realm", config.realm());
        info.put("relay_key", relayKey.keyId().toString());
        info.put("relay_did", relayKey.keyId().didKey());
        ArrayNode kinds = info.putArray("kinds");
        for (Kind kind : Kind.values()) {
            kinds.add(kind.wireName());
        }
        info.put("max_body", Envelope.MAX_BODY_BYTES);
        info.put("max_envelope", Envelope.MAX_ENVELOPE_BYTES);
        info.put("default_ttl", Math.min(Ttl.DEFAULT_SECONDS, config.maxTtlSeconds()));
        info.put("max_ttl", config.maxTtlSeconds());
        info.put("rate_limit_per_minute", config.sendsPerMinute());
        info.put("rate_limit_burst", config.sendBurst());
        info.put("default_policy", config.defaultPolicyMode().wireName());
        info.put("session_delivery", sessionsCompete ? "compete" : "each");
        return info;
    }

    // ---------------------------------------------------------------- policy

    private JsonNode policyGet(KeyId requester, Args args) throws RelayException {
        args.only("owner");
        args.requireOwner(requester);
        return policyJson(currentPolicy(requester));
    }

    private JsonNode policySet(KeyId requester, Args args) throws RelayException {
        args.only("owner", "mode", "allow", "block");
        args.requireOwner(requester);
        InboxPolicy current = currentPolicy(requester);
        PolicyMode mode = args.has("mode") ? PolicyMode.fromWire(args.text("mode", 16)) : current.mode();
        // keyList checks every key and the list size, so InboxPolicy.validList would only repeat that.
        Set<String> allow = args.has("allow") ? Set.copyOf(args.keyList("allow")) : current.allow();
        Set<String> block = args.has("block") ? Set.copyOf(args.keyList("block")) : current.block();
        return savePolicy(requester, new InboxPolicy(mode, allow, block));
    }

    private JsonNode policyChange(KeyId requester, Args args, boolean add) throws RelayException {
        args.only("owner", "list", "keys");
        args.requireOwner(requester);
        String list = args.text("list", 8);
        if (!list.equals("allow") && !list.equals("block")) {
            throw new RelayException(ErrorCode.MALFORMED, "list must be allow or block");
        }
        // keyList checks each key; the list rule (size) applies to the result below. A set: removeAll is then linear.
        Set<String> keys = Set.copyOf(args.keyList("keys"));
        InboxPolicy current = currentPolicy(requester);
        Set<String> target = new LinkedHashSet<>(list.equals("allow") ? current.allow() : current.block());
        if (add) {
            target.addAll(keys);
        } else {
            target.removeAll(keys);
        }
        InboxPolicy changed = list.equals("allow")
                ? new InboxPolicy(current.mode(), InboxPolicy.validList(target, "allow"), current.block())
                : new InboxPolicy(current.mode(), current.allow(), InboxPolicy.validList(target, "block"));
        return savePolicy(requester, changed);
    }

    private InboxPolicy currentPolicy(KeyId owner) {
        return RelayEngine.policyOf(store, config, owner);
    }

    private JsonNode savePolicy(KeyId owner, InboxPolicy policy) {
        long now = clock.millis();
        store.savePolicy(owner.toString(), new PolicyRecord(policy.mode().wireName(), List.copyOf(policy.allow()),
                List.copyOf(policy.block()), now));
        store.appendAudit(new AuditEvent(now, "policy.set", owner.toString(), owner.toString(),
                policy.mode().wireName() + " allow=" + policy.allow().size() + " block=" + policy.block().size()));
        return policyJson(policy);
    }

    private static JsonNode policyJson(InboxPolicy policy) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("mode", policy.mode().wireName());
        ArrayNode allow = json.putArray("allow");
        policy.allow().stream().sorted().forEach(allow::add);
        ArrayNode block = json.putArray("block");
        policy.block().stream().sorted().forEach(block::add);
        return json;
    }

    // ---------------------------------------------------------------- directory

    private JsonNode profileSet(KeyId requester, Args args, Envelope request) throws RelayException {
        args.only("owner", "card");
        args.requireOwner(requester);
        if (request.bodyLength() > MAX_CARD_REQUEST_BYTES) {
            throw new RelayException(ErrorCode.TOO_LARGE, "a profile.set request body may hold at most "
                    + MAX_CARD_REQUEST_BYTES + " bytes");
        }
        ProfileCard card = ProfileCard.parse(args.node("card"));
        long now = clock.millis();
        CardRecord saved = new CardRecord(requester.toString(), card.toJson().toString(), request.toJsonString(),
                card.isPublic(), card.searchText(), card.allTags(), card.capabilityNames(), now);
        store.saveCard(saved);
        store.appendAudit(new AuditEvent(now, "profile.set", requester.toString(), requester.toString(),
                card.isPublic() ? "public" : "private"));
        return cardJson(saved); // the store keeps the strings verbatim, so reading it back would give the same answer
    }

    private JsonNode profileGet(KeyId requester, Args args) throws RelayException {
        args.only("key_id");
        String keyId = args.has("key_id") ? args.keyId("key_id") : requester.toString();
        Optional<CardRecord> card = store.card(keyId);
        if (card.isEmpty() || (!card.get().isPublic() && !keyId.equals(requester.toString()))) {
            // A private card is reported exactly like a missing one: its existence is not disclosed.
            throw new RelayException(ErrorCode.NOT_FOUND, "no public profile for " + keyId);
        }
        return cardJson(card.get());
    }

    private JsonNode discover(Args args) throws RelayException {
        args.only("tag", "capability", "text", "limit", "cursor");
        int limit = args.intInRange("limit", 1, 50, 20);
        String after = args.has("cursor") ? decodeCursor(args.text("cursor", 200)) : null;
        String text = args.has("text") ? args.text("text", 256).toLowerCase(Locale.ROOT) : null;
        List<CardRecord> found = store.searchPublicCards(new CardQuery(args.optionalText("tag", 32),
                args.optionalText("capability", 64), text, after, limit + 1));
        ObjectNode result = Json.MAPPER.createObjectNode();
        ArrayNode results = result.putArray("results");
        int size = 0;
        String last = null;
        boolean more = found.size() > limit;
        for (int i = 0; i < Math.min(limit, found.size()); i++) {
            ObjectNode entry = cardJson(found.get(i));
            size += utf8Length(entry);
            if (size > RESPONSE_BUDGET && last != null) {
                more = true;
                break;
            }
            results.add(entry);
            last = found.get(i).keyId();
        }
        result.put("next", more && last != null ? encodeCursor(last) : null);
        return result;
    }

    /** A card as answered: the card, its signed profile.set envelope (so discoverers verify it) and presence. */
    private ObjectNode cardJson(CardRecord card) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        entry.put("key_id", card.keyId());
        entry.set("card", storedJson(card.cardJson()));
        entry.set("card_envelope", storedJson(card.envelopeJson()));
        entry.set("presence", presenceJson(store.presence(card.keyId())));
        return entry;
    }

    private static JsonNode storedJson(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("the store holds JSON that does not parse", e);
        }
    }

    private JsonNode presenceGet(KeyId requester, Args args) throws RelayException {
        args.only("key_ids");
        JsonNode requested = args.node("key_ids");
        if (!requested.isArray() || requested.isEmpty() || requested.size() > MAX_PRESENCE_KEYS) {
            throw new RelayException(ErrorCode.MALFORMED, "key_ids must be an array of 1.." + MAX_PRESENCE_KEYS + " key ids");
        }
        List<String> keys = args.keyList("key_ids");
        ObjectNode result = Json.MAPPER.createObjectNode();
        ObjectNode presence = result.putObject("presence");
        for (String key : keys) {
            boolean visible = key.equals(requester.toString())
                    || store.card(key).map(CardRecord::isPublic).orElse(false);
            if (visible) {
                presence.set(key, presenceJson(store.presence(key)));
            }
        }
        return result;
    }

    private static ObjectNode presenceJson(Optional<Presence> presence) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("online", presence.map(Presence::online).orElse(false));
        if (presence.isPresent()) {
            json.put("last_seen", presence.get().lastSeenMs());
        } else {
            json.putNull("last_seen");
        }
        return json;
    }

    // ---------------------------------------------------------------- threads

    private JsonNode threadHistory(KeyId requester, Args args) throws RelayException {
        args.only("thread_id", "limit", "before");
        String threadId = MessageId.requireValid(args.text("thread_id", 22), "thread_id");
        int limit = args.intInRange("limit", 1, 100, 50);
        HistoryCursor before = args.has("before") ? historyCursor(args.text("before", 200)) : null;
        long now = clock.millis();
        List<MessageRecord> page = store.threadHistory(threadId, requester.toString(), before, limit + 1);
        ObjectNode result = Json.MAPPER.createObjectNode();
        ArrayNode messages = result.putArray("messages");
        int size = 0;
        MessageRecord last = null; // the cursor position: last record looked at, handed out or skipped
        boolean added = false;
        boolean more = page.size() > limit;
        for (int i = 0; i < Math.min(limit, page.size()); i++) {
            MessageRecord record = page.get(i);
            if (record.expiresAtMs() <= now || record.envelope() == null) {
                last = record;
                continue; // expired messages are never handed out again
            }
            ObjectNode entry;
            if (record.envelope().length > RESPONSE_BUDGET / 2) {
                // Too big to share a response body with others: named, so the client knows what it misses.
                entry = Json.MAPPER.createObjectNode();
                entry.put("id", record.messageId());
                entry.put("from", record.sender());
                entry.put("ts", record.tsMs());
                entry.put("omitted", "too_large");
            } else {
                entry = (ObjectNode) storedJson(new String(record.envelope(), StandardCharsets.UTF_8));
            }
            size += utf8Length(entry);
            if (size > RESPONSE_BUDGET && added) {
                more = true;
                break;
            }
            messages.add(entry);
            added = true;
            last = record;
        }
        result.put("next", more && last != null
                ? encodeCursor(last.tsMs() + ":" + last.sender() + ":" + last.messageId()) : null);
        return result;
    }

    private static int utf8Length(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static HistoryCursor historyCursor(String cursor) throws RelayException {
        String[] parts = decodeCursor(cursor).split(":", -1);
        try {
            if (parts.length == 3) {
                return new HistoryCursor(Long.parseLong(parts[0]), parts[1], parts[2]);
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal below
        }
        throw new RelayException(ErrorCode.MALFORMED, "not a cursor this relay issued");
    }

    private static String encodeCursor(String value) {
        return Base64Url.encode(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor) throws RelayException {
        return new String(Base64Url.decode(cursor, "cursor"), StandardCharsets.UTF_8);
    }

    /** Strict access to request arguments: unknown names and wrong types are refused, never ignored. */
    private final class Args {
        private final ObjectNode args;

        Args(ObjectNode args) {
            this.args = args;
        }

        void only(String... allowed) throws RelayException {
            Set<String> names = Set.of(allowed);
            for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!names.contains(name)) {
                    throw new RelayException(ErrorCode.MALFORMED, "unknown argument '" + RelayEngine.shorten(name) + "'");
                }
            }
        }

        boolean has(String name) {
            return args.hasNonNull(name);
        }

        /** Requests act on the requester's own data; naming another owner is refused with not_owner. */
        void requireOwner(KeyId requester) throws RelayException {
            if (has("owner") && !args.get("owner").isTextual()) {
                throw new RelayException(ErrorCode.MALFORMED, "argument 'owner' must be a key id string");
            }
            if (has("owner") && !requester.toString().equals(args.get("owner").asText())) {
                throw new RelayException(ErrorCode.NOT_OWNER, "only " + args.get("owner").asText()
                        + " may change or read its own settings");
            }
        }

        JsonNode node(String name) throws RelayException {
            if (!has(name)) {
                throw new RelayException(ErrorCode.MALFORMED, "argument '" + name + "' is required");
            }
            return args.get(name);
        }

        String text(String name, int maxLength) throws RelayException {
            JsonNode value = node(name);
            int length = value.isTextual() ? value.asText().codePointCount(0, value.asText().length()) : 0;
            if (length < 1 || length > maxLength) {
                throw new RelayException(ErrorCode.MALFORMED, "argument '" + name + "' must be a string of 1.." + maxLength + " chars");
            }
            return value.asText();
        }

        String optionalText(String name, int maxLength) throws RelayException {
            return has(name) ? text(name, maxLength) : null;
        }

        String keyId(String name) throws RelayException {
            return keyIds.parse(text(name, KeyId.TEXT_LENGTH)).toString();
        }

        List<String> keyList(String name) throws RelayException {
            JsonNode value = node(name);
            if (!value.isArray()) {
                throw new RelayException(ErrorCode.MALFORMED, "argument '" + name + "' must be an array of key ids");
            }
            if (value.size() > InboxPolicy.MAX_LIST_SIZE) {
                throw new RelayException(ErrorCode.TOO_LARGE, "argument '" + name + "' has more than " + InboxPolicy.MAX_LIST_SIZE + " keys");
            }
            List<String> keys = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isTextual()) {
                    throw new RelayException(ErrorCode.MALFORMED, "argument '" + name + "' must hold key id strings");
                }
                keys.add(keyIds.parse(item.asText()).toString());
            }
            return keys;
        }

        int intInRange(String name, int min, int max, int fallback) throws RelayException {
            if (!has(name)) {
                return fallback;
            }
            JsonNode value = args.get(name);
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
                throw new RelayException(ErrorCode.MALFORMED, "argument '" + name + "' must be a whole number " + min + ".." + max);
            }
            return value.asInt();
        }
    }
}
