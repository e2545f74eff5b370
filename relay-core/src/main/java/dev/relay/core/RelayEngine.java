package dev.relay.core;

import dev.relay.store.AuditEvent;
import dev.relay.store.MessageRecord;
import dev.relay.store.ParkedMessage;
import dev.relay.store.PolicyRecord;
import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.protocol.Address;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ClientIds;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.Ttl;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker-neutral engine: every relay decision is made here, once, so that the HiveMQ extension and the Artemis
 * plugin stay thin. Adapters translate their callbacks into these calls and the outcomes back into
 * their broker's answers. Thread-safe.
 */
public final class RelayEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RelayEngine.class);
    public static final int CHALLENGE_NONCE_BYTES = 32;
    static final String RELAY_KEY_FILE = "relay-key.json";
    /** Messages marked expired per store transaction in {@link #housekeeping()}, so a backlog never blocks for long. */
    private static final int EXPIRE_BATCH = 500;

    private final RelayConfig config;
    private final RelayStore store;
    private final RelayKeyPair relayKey;
    private final Clock clock;
    private final KeyIdCache keyIds = new KeyIdCache(100_000);
    private final SystemRequests systemRequests;
    private final ErrorNotices notices;
    private final PublishDecision publishes;
    private final SecureRandom random = new SecureRandom();
    private volatile BrokerSessions brokerSessions = BrokerSessions.ALWAYS;

    RelayEngine(RelayConfig config, RelayStore store, RelayKeyPair relayKey, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.relayKey = Objects.requireNonNull(relayKey, "relayKey");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.systemRequests = new SystemRequests(config, store, relayKey, keyIds, clock);
        this.notices = new ErrorNotices(systemRequests, clock);
        this.publishes = new PublishDecision(config, store, relayKey.keyId(), clock, keyIds, systemRequests, notices,
                () -> brokerSessions);
    }

    /**
     * Opens the engine on its data folder: the store the configuration names ({@value RelayConfig#STORE}, found on the
     * class path) and the relay's own signing key ({@value #RELAY_KEY_FILE}, created on first start). Presence from a
     * previous run is reset: its sessions are gone.
     *
     * @throws RelayConfigException for an unknown store or a bad setting, before anything is opened
     */
    public static RelayEngine open(RelayConfig config) {
        return open(config, Clock.systemUTC());
    }

    public static RelayEngine open(RelayConfig config, Clock clock) {
        return open(config, StoreOpener.factoryFor(config), clock);
    }

    /** Opens the engine on the store of a given factory (tests, and embedders that bring their own store). */
    public static RelayEngine open(RelayConfig config, RelayStoreFactory storeFactory, Clock clock) {
        RelayKeyPair key;
        try {
            key = KeyFiles.loadOrCreate(config.dataDir().resolve(RELAY_KEY_FILE));
        } catch (IOException | RelayException e) {
            throw new RelayConfigException(RelayConfig.DATA_DIR, config.dataDir().toString(),
                    "cannot load or create the relay key " + RELAY_KEY_FILE + ": " + e.getMessage());
        }
        RelayStore store = StoreOpener.open(storeFactory, config);
        try {
            store.resetPresence(clock.millis());
        } catch (RuntimeException e) {
            try {
                store.close(); // a failed start must not keep the store open
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        LOG.info("Relay engine ready: realm '{}', relay key {}, data in {}", config.realm(), key.keyId(), config.dataDir());
        return new RelayEngine(config, store, key, clock);
    }

    /** An engine over a given store and key (tests, and adapters that manage the store themselves). */
    public static RelayEngine create(RelayConfig config, RelayStore store, RelayKeyPair relayKey, Clock clock) {
        return new RelayEngine(config, store, relayKey, clock);
    }

    public RelayConfig config() {
        return config;
    }

    public KeyId relayKeyId() {
        return relayKey.keyId();
    }

    public RelayStore store() {
        return store;
    }

    // ---------------------------------------------------------------- connect

    /**
     * Authenticates a connect token (SPEC §2): username = key id, password = token. Checks format, clock window,
     * realm-bound signature, client id, and last the single-use nonce, so a bad token never burns a nonce.
     */
    public KeyId authenticate(String username, String password, ConnectFacts facts) throws RelayException {
        ConnectToken.Verified token = ConnectToken.verify(username, password, config.realm(), nowSeconds(),
                config.tokenWindowSeconds());
        return admit(token, facts);
    }

    /** A fresh server nonce for the challenge-response variants (MQTT 5 enhanced auth, WebSocket first frames). */
    public byte[] newChallenge() {
        byte[] nonce = new byte[CHALLENGE_NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    /**
     * Completes a challenge: {@code token} must be a connect token by {@code keyId} whose nonce is the issued one.
     */
    public KeyId authenticateChallenge(String keyId, byte[] issuedNonce, String token, ConnectFacts facts)
            throws RelayException {
        ConnectToken.Verified verified = ConnectToken.verify(keyId, token, config.realm(), nowSeconds(),
                config.tokenWindowSeconds());
        if (!verified.nonce().equals(Base64Url.encode(issuedNonce))) {
            throw new RelayException(ErrorCode.BAD_CREDENTIALS, "token does not answer the server's challenge nonce");
        }
        return admit(verified, facts);
    }

    /**
     * The will rule (SPEC §2.6): the broker publishes a will after its client left, so it would pass no envelope
     * check. A connect whose will topic ({@code null}: none) lies in the relay namespace is refused as forbidden.
     */
    public void admitWill(Address willTopic) throws RelayException {
        if (willTopic != null && !(willTopic instanceof Address.Outside)) {
            throw new RelayException(ErrorCode.FORBIDDEN, "a will message may not go into the relay namespace");
        }
    }

    private KeyId admit(ConnectToken.Verified token, ConnectFacts facts) throws RelayException {
        try {
            return admitVerified(token, facts);
        } catch (RelayException refused) {
            // Only refusals of a token that carried a valid signature are audited: unsigned junk is no one's act.
            audit(new AuditEvent(clock.millis(), "connect.refused", token.keyId().toString(), transport(facts),
                    refused.code().code()));
            throw refused;
        }
    }

    private KeyId admitVerified(ConnectToken.Verified token, ConnectFacts facts) throws RelayException {
        if (facts != null && facts.clientId() != null) {
            ClientIds.resolve(facts.clientId(), token.keyId());
        }
        boolean firstUse;
        try {
            firstUse = store.rememberNonce(token.keyId().toString(), token.nonce(), token.rememberUntilSeconds() * 1000);
        } catch (RuntimeException e) {
            // Without the replay cache a token cannot be checked for reuse: refuse, never let it through.
            LOG.error("Relay store failed while checking a connect token of {}; refused the connect", token.keyId(), e);
            throw new RelayException(ErrorCode.INTERNAL, "relay store unavailable");
        }
        if (!firstUse) {
            throw new RelayException(ErrorCode.REPLAY, "connect token nonce was already used; make a new token per connect");
        }
        return token.keyId();
    }

    /** Records that a session of {@code identity} is online. Never throws into the broker. */
    public void onConnected(KeyId identity) {
        onConnected(identity, null);
    }

    /** Records that a session of {@code identity} is online, and audits the connect. Never throws into the broker. */
    public void onConnected(KeyId identity, ConnectFacts facts) {
        long now = clock.millis();
        try {
            store.appendAudit(new AuditEvent(now, "session.connected", identity.toString(), transport(facts),
                    facts == null || facts.clientId() == null ? "" : facts.clientId()));
            // The store says whether this was the first connect in the same atomic step, so two first sessions at
            // once (or two nodes on one store) audit first_seen once.
            if (store.recordConnected(identity.toString(), now)) {
                store.appendAudit(new AuditEvent(now, "identity.first_seen", identity.toString(), "", ""));
            }
        } catch (RuntimeException e) {
            // Presence is observation only: a store fault must not fail the broker's connect.
            LOG.error("Relay store failed to record the connect of {}; presence may be stale", identity, e);
        }
    }

    /** Records that a session of {@code identity} went away. Never throws into the broker. */
    public void onDisconnected(KeyId identity) {
        try {
            store.recordDisconnected(identity.toString(), clock.millis());
        } catch (RuntimeException e) {
            LOG.error("Relay store failed to record the disconnect of {}; presence may be stale", identity, e);
        }
    }

    // ---------------------------------------------------------------- publish

    /**
     * Decides one publish by {@code publisher} to {@code address} (parse the topic or address with
     * {@link dev.relay.protocol.Addressing}), given what the adapter knows about it. Never throws: every fault becomes
     * a {@link PublishOutcome.Reject}, which carries the error notice to send, if any.
     */
    public PublishOutcome onPublish(KeyId publisher, PublishFacts facts, Address address, byte[] payload) {
        try {
            return publishes.decide(publisher, facts, address, payload);
        } catch (RelayException e) {
            LOG.debug("Refused publish by {} to {}: {}", publisher, address, e.reasonString());
            return notices.reject(publisher, facts, payload, e, 0);
        } catch (RuntimeException e) {
            LOG.error("Relay engine failed on a publish by {} to {}; refused it with 'internal'", publisher, address, e);
            return notices.reject(publisher, facts, payload, new RelayException(ErrorCode.INTERNAL,
                    "relay internal error"), 0);
        }
    }

    /**
     * A publish the adapter refused before asking {@link #onPublish} (the broker would lose it, or refuses the name
     * itself): the same {@link PublishOutcome.Reject} the engine would make, error notice included.
     */
    public PublishOutcome.Reject refuse(KeyId publisher, PublishFacts facts, byte[] payload, RelayException error) {
        return notices.reject(publisher, facts, payload, error, 0);
    }

    /** Records that a message reached its recipient (a receipt, or an adapter that saw the broker deliver it). */
    public void markDelivered(String sender, String messageId) {
        markDelivered(store, sender, messageId, clock.millis());
    }

    static void markDelivered(RelayStore store, String sender, String messageId, long now) {
        // Only sent -> delivered: a broker redelivery must not audit twice, and expired stays expired.
        store.markDelivered(sender, messageId, new AuditEvent(now, "message.delivered", sender, "", messageId));
    }

    /**
     * The TTL rule at delivery (SPEC §6.3), for the adapter that hands an inbox message to a reader: the whole seconds
     * of TTL left (at least 1), or 0 when the envelope expired and must be dropped, never delivered.
     */
    public long ttlLeftSeconds(long expiresAtMillis) {
        long now = clock.millis();
        return expiresAtMillis <= now ? 0 : Math.max(1, Ttl.remainingSeconds(expiresAtMillis, now));
    }

    /** As {@link #ttlLeftSeconds(long)} for an envelope, its TTL clamped to the operator's maximum. */
    public long ttlLeftSeconds(Envelope envelope) {
        return ttlLeftSeconds(envelope.expiresAtMillis(config.maxTtlSeconds()));
    }

    /** The stored policy of {@code owner}, else the operator default; publishes and system requests both read it here. */
    static InboxPolicy policyOf(RelayStore store, RelayConfig config, KeyId owner) {
        return store.policy(owner.toString()).map(RelayEngine::toPolicy).orElseGet(config::defaultPolicy);
    }

    private static InboxPolicy toPolicy(PolicyRecord record) {
        try {
            return new InboxPolicy(PolicyMode.fromWire(record.mode()), Set.copyOf(record.allow()), Set.copyOf(record.block()));
        } catch (RelayException e) {
            throw new IllegalStateException("stored policy has an unknown mode '" + record.mode() + "'", e);
        }
    }

    // ---------------------------------------------------------------- subscribe

    /**
     * Decides a subscription: an identity reads its own inbox only. Every wildcard or shared form that could reach
     * another inbox is refused; topics outside the namespace follow the operator setting.
     */
    public SubscribeOutcome onSubscribe(KeyId subscriber, Address filter) {
        if (filter instanceof Address.Inbox inbox && inbox.keyId().equals(subscriber.toString())) {
            return new SubscribeOutcome.Allow();
        }
        if (filter instanceof Address.Outside && config.allowOutsideNamespace()) {
            return new SubscribeOutcome.Allow();
        }
        String why = refusalReason(filter);
        LOG.debug("Refused subscription by {}: {}", subscriber, why);
        return new SubscribeOutcome.Reject(new RelayException(ErrorCode.FORBIDDEN, why));
    }

    private static String refusalReason(Address filter) {
        if (filter instanceof Address.Inbox inbox) {
            return "only the owner may read the inbox of " + inbox.keyId();
        }
        if (filter instanceof Address.SystemRequests) {
            return "the system address takes requests; answers come into your inbox";
        }
        if (filter instanceof Address.Forbidden forbidden) {
            return "'" + shorten(forbidden.raw()) + "': " + forbidden.why();
        }
        return "'" + shorten(((Address.Outside) filter).raw()) + "' is outside the relay namespace";
    }

    // ---------------------------------------------------------------- parking

    /**
     * Tells the engine which recipients the broker can queue for; the others get their messages parked in the store
     * ({@link PublishOutcome.Parked}) until {@link #parked} hands them to the adapter on connect.
     */
    public void useBrokerSessions(BrokerSessions sessions) {
        this.brokerSessions = Objects.requireNonNull(sessions, "sessions");
        systemRequests.sessionsCompete(sessions.sessionsCompete());
    }

    /**
     * Parks one of the relay's own envelopes (a response or an error) for a requester the broker cannot queue for.
     * Not bounded by the per-recipient limit: the requester asked for it.
     */
    public void parkReply(KeyId requester, Envelope reply) {
        store.park(requester.toString(), reply.toJson(), reply.expiresAtMillis(config.maxTtlSeconds()));
    }

    /** Unexpired parked messages for {@code recipient}, oldest first; remove each with {@link #unpark} once handed on. */
    public List<ParkedMessage> parked(KeyId recipient, int limit) {
        return store.parked(recipient.toString(), clock.millis(), limit);
    }

    public void unpark(List<Long> seqs) {
        store.removeParked(seqs);
    }

    // ---------------------------------------------------------------- errors and upkeep

    /**
     * Periodic upkeep: forgets nonces past their window, marks undelivered expired messages (audited), deletes
     * expired messages and parked messages. Adapters call it from their scheduler, e.g. once a minute.
     *
     * @return how many messages expired undelivered (for the adapter's metrics)
     */
    public int housekeeping() {
        long now = clock.millis();
        store.pruneNonces(now);
        int expiredCount = 0;
        List<MessageRecord> expired;
        do {
            expired = store.markExpired(now, EXPIRE_BATCH);
            expiredCount += expired.size();
            for (MessageRecord message : expired) {
                store.appendAudit(new AuditEvent(now, "message.expired", message.sender(), message.recipient(),
                        message.messageId()));
            }
        } while (expired.size() == EXPIRE_BATCH);
        store.deleteExpiredMessages(now);
        store.deleteExpiredParked(now);
        return expiredCount;
    }

    private void audit(AuditEvent event) {
        audit(store, event);
    }

    /** Appends to the audit log; a store fault is logged, never thrown at a client whose action was already decided. */
    static void audit(RelayStore store, AuditEvent event) {
        try {
            store.appendAudit(event);
        } catch (RuntimeException e) {
            LOG.error("Relay store failed to append audit record {}", event.type(), e);
        }
    }

    private static String transport(ConnectFacts facts) {
        return facts == null ? "" : facts.transport().name().toLowerCase(java.util.Locale.ROOT);
    }

    private long nowSeconds() {
        return Math.floorDiv(clock.millis(), 1000);
    }

    static String shorten(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    @Override
    public void close() {
        store.close();
    }
}
