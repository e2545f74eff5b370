package dev.relay.core;

import dev.relay.core.limit.RateDecision;
import dev.relay.core.limit.TokenBucketRateLimiter;
import dev.relay.store.AuditEvent;
import dev.relay.store.DeliveryState;
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
import dev.relay.protocol.InboundCheck;
import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.Ttl;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker-neutral engine: every relay decision is made here, once, so that the HiveMQ extension, the Artemis
 * plugin and the gateway stay thin. Adapters translate their callbacks into these calls and the outcomes back into
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
    private final TokenBucketRateLimiter rateLimiter;
    private final KeyIdCache keyIds = new KeyIdCache(100_000);
    private final SystemRequests systemRequests;
    private final SecureRandom random = new SecureRandom();
    private volatile BrokerSessions brokerSessions = BrokerSessions.ALWAYS;
    /** When this engine (and so its broker) started: records older than this may predate a broker crash. */
    private final long startedAtMillis;

    RelayEngine(RelayConfig config, RelayStore store, RelayKeyPair relayKey, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.relayKey = Objects.requireNonNull(relayKey, "relayKey");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rateLimiter = new TokenBucketRateLimiter(config.sendBurst(), config.sendsPerMinute(), Duration.ofMinutes(1),
                () -> clock.millis() * 1_000_000L);
        this.systemRequests = new SystemRequests(config, store, relayKey, keyIds, clock);
        this.startedAtMillis = clock.millis();
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
     * {@link dev.relay.protocol.Addressing}). Never throws: every fault becomes a {@link PublishOutcome.Reject}.
     */
    public PublishOutcome onPublish(KeyId publisher, Address address, byte[] payload) {
        return onPublish(publisher, null, address, payload);
    }

    /**
     * As {@link #onPublish(KeyId, Address, byte[])}, naming the publishing connection's client id when its session
     * ends with the connection (else null), for {@link BrokerSessions#readers(KeyId, String)}.
     */
    public PublishOutcome onPublish(KeyId publisher, String passingPublisher, Address address, byte[] payload) {
        try {
            return decidePublish(publisher, passingPublisher, address, payload);
        } catch (RelayException e) {
            LOG.debug("Refused publish by {} to {}: {}", publisher, address, e.reasonString());
            return new PublishOutcome.Reject(e, 0);
        } catch (RuntimeException e) {
            LOG.error("Relay engine failed on a publish by {} to {}; refused it with 'internal'", publisher, address, e);
            return new PublishOutcome.Reject(new RelayException(ErrorCode.INTERNAL, "relay internal error"), 0);
        }
    }

    private PublishOutcome decidePublish(KeyId publisher, String passingPublisher, Address address, byte[] payload)
            throws RelayException {
        if (address instanceof Address.Outside outside) {
            if (config.allowOutsideNamespace()) {
                return new PublishOutcome.PassThrough();
            }
            throw new RelayException(ErrorCode.FORBIDDEN, "topic '" + shorten(outside.raw())
                    + "' is outside the relay namespace and the operator does not allow that");
        }
        if (address instanceof Address.Forbidden forbidden) {
            throw new RelayException(ErrorCode.FORBIDDEN, "'" + shorten(forbidden.raw()) + "': " + forbidden.why());
        }
        RateDecision rate = rateLimiter.tryAcquire(publisher.toString());
        if (!rate.allowed()) {
            // SPEC §9: the text starts with retry_after=<n> so string-only transports carry the number.
            RelayException limited = new RelayException(ErrorCode.RATE_LIMITED, "retry_after=" + rate.retryAfterSeconds()
                    + "; more than " + config.sendsPerMinute() + " sends per minute");
            return new PublishOutcome.Reject(limited, rate.retryAfterSeconds());
        }
        long now = clock.millis();
        try {
            return decideCounted(publisher, passingPublisher, address, payload, now);
        } catch (RelayException refused) {
            // Audited only once a rate token was spent, so a flood cannot grow the audit log faster than the limit.
            audit(new AuditEvent(now, "publish.refused", publisher.toString(), "", refused.code().code()
                    + " bytes=" + payload.length));
            throw refused;
        }
    }

    private PublishOutcome decideCounted(KeyId publisher, String passingPublisher, Address address, byte[] payload,
                                         long now) throws RelayException {
        boolean isRequest = address instanceof Address.SystemRequests;
        String addressedTo = isRequest ? Envelope.SYSTEM_RECIPIENT : ((Address.Inbox) address).keyId();
        Envelope envelope = InboundCheck.check(payload, publisher, addressedTo, now, config.maxTtlSeconds(),
                config.maxClockSkewSeconds() * 1000);
        if (isRequest) {
            // Recorded like any message, so a re-sent request (at-least-once publish) is not executed twice.
            boolean fresh = store.recordMessage(new MessageRecord(publisher.toString(), envelope.id(),
                    Envelope.SYSTEM_RECIPIENT, null, envelope.inReplyTo(), envelope.kind().wireName(), envelope.ts(),
                    envelope.expiresAtMillis(config.maxTtlSeconds()), DeliveryState.DELIVERED, null));
            if (!fresh) {
                return new PublishOutcome.Duplicate(envelope);
            }
            return new PublishOutcome.Reply(publisher, systemRequests.answer(publisher, envelope));
        }
        return decideDelivery(publisher, passingPublisher, keyIds.parse(envelope.to()), envelope, now);
    }

    private PublishOutcome decideDelivery(KeyId sender, String passingPublisher, KeyId recipient, Envelope envelope,
                                          long now) throws RelayException {
        if (envelope.kind() == Kind.RESPONSE || envelope.kind() == Kind.ERROR) {
            throw new RelayException(ErrorCode.FORBIDDEN, envelope.kind().wireName() + " envelopes come from the relay only");
        }
        boolean owner = sender.equals(recipient);
        boolean fromRelay = sender.equals(relayKey.keyId()); // rule 2 of SPEC §5.4
        // Read once: the answered message decides rule 3 and is what a receipt marks delivered (its message_id is
        // in_reply_to, Receipt.parse checks that).
        MessageRecord answered = envelope.inReplyTo() == null ? null
                : store.message(recipient.toString(), envelope.inReplyTo()).orElse(null);
        boolean reply = !owner && answersLiveMessage(answered, sender, now);
        InboxPolicy policy = policyOf(store, config, recipient);
        if (!policy.admits(sender.toString(), owner, fromRelay, reply)) {
            throw new RelayException(ErrorCode.ACL_DENIED, "the inbox of " + recipient + " does not accept messages from "
                    + sender + " (policy " + policy.mode().wireName() + ")");
        }
        boolean isReceipt = envelope.kind() == Kind.RECEIPT;
        if (isReceipt) {
            Receipt.parse(envelope); // a malformed receipt is refused (SPEC §3.7); its content is not needed here
        }
        long expiresAt = envelope.expiresAtMillis(config.maxTtlSeconds());
        BrokerSessions.Readers readers = brokerSessions.readers(recipient, passingPublisher);
        // The copy beside a delivery to the publisher's own one-shot session is a courtesy: it never refuses.
        boolean park = readers == BrokerSessions.Readers.NONE
                || readers == BrokerSessions.Readers.PUBLISHER_ONLY && hasParkingRoom(recipient, now);
        if (park) {
            // Checked before anything is recorded: a refused envelope leaves no trace and may be sent again.
            if (store.message(sender.toString(), envelope.id()).isPresent()) {
                return new PublishOutcome.Duplicate(envelope);
            }
            if (readers == BrokerSessions.Readers.NONE) {
                requireParkingRoom(recipient, now);
            }
        }
        boolean threaded = envelope.threadId() != null;
        byte[] json = threaded || park ? envelope.toJson() : null; // encoded once for the thread record and parking
        boolean fresh = store.acceptMessage(new MessageRecord(sender.toString(), envelope.id(), recipient.toString(),
                envelope.threadId(), envelope.inReplyTo(), envelope.kind().wireName(), envelope.ts(), expiresAt,
                DeliveryState.SENT, threaded ? json : null),
                new AuditEvent(now, "message.sent", sender.toString(), recipient.toString(),
                        envelope.kind().wireName() + " " + envelope.id() + " bytes=" + envelope.bodyLength()),
                park ? json : null);
        if (!fresh) {
            return repeatOf(sender, recipient, envelope, expiresAt, now);
        }
        if (isReceipt) {
            recordReceipt(sender, answered, now);
        }
        if (readers == BrokerSessions.Readers.NONE) {
            return new PublishOutcome.Parked(recipient, envelope, expiresAt);
        }
        return new PublishOutcome.Deliver(recipient, envelope, Math.max(1, Ttl.remainingSeconds(expiresAt, now)), expiresAt);
    }

    /**
     * A repeat of an envelope this relay accepted for a broker queue (SPEC §10.8): a duplicate, unless it was signed
     * before this relay started and the relay has not seen it handed to its recipient. The relay records before the
     * broker stores, so a broker killed in between acknowledged nothing and kept nothing, and the sender's re-send is
     * the only copy left: it is routed again. Within one run the broker has the first copy, so a repeat is not
     * delivered twice. Recipients de-duplicate anyway (§3.8), and only the sender can repeat its envelope.
     */
    private PublishOutcome repeatOf(KeyId sender, KeyId recipient, Envelope envelope, long expiresAt, long now) {
        if (envelope.ts() < startedAtMillis && expiresAt > now) {
            MessageRecord earlier = store.message(sender.toString(), envelope.id()).orElse(null);
            if (earlier != null && earlier.state() == DeliveryState.SENT
                    && earlier.recipient().equals(recipient.toString()) && earlier.tsMs() == envelope.ts()) {
                return new PublishOutcome.Deliver(recipient, envelope,
                        Math.max(1, Ttl.remainingSeconds(expiresAt, now)), expiresAt);
            }
        }
        return new PublishOutcome.Duplicate(envelope);
    }

    /** Rule 3 of SPEC §5.4: a reply to a live message the recipient itself sent to this sender. */
    private static boolean answersLiveMessage(MessageRecord answered, KeyId sender, long now) {
        return answered != null && answered.recipient().equals(sender.toString()) && answered.expiresAtMs() > now;
    }

    /** A receipt marks the receipted message delivered, if it is the recipient's own message to the receipt's sender. */
    private void recordReceipt(KeyId receiptSender, MessageRecord receipted, long now) {
        if (receipted != null && receipted.recipient().equals(receiptSender.toString())) {
            markDelivered(receipted.sender(), receipted.messageId(), now);
        }
    }

    /** Records that a message reached its recipient (a receipt, or an adapter that saw the broker deliver it). */
    public void markDelivered(String sender, String messageId) {
        markDelivered(sender, messageId, clock.millis());
    }

    private void markDelivered(String sender, String messageId, long now) {
        // Only sent -> delivered: a broker redelivery must not audit twice, and expired stays expired.
        store.markDelivered(sender, messageId, new AuditEvent(now, "message.delivered", sender, "", messageId));
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

    private boolean hasParkingRoom(KeyId recipient, long now) {
        return store.parkedCount(recipient.toString(), now) < config.maxParkedPerRecipient();
    }

    private void requireParkingRoom(KeyId recipient, long now) throws RelayException {
        if (!hasParkingRoom(recipient, now)) {
            throw new RelayException(ErrorCode.QUEUE_FULL, "the inbox of " + recipient + " holds "
                    + config.maxParkedPerRecipient() + " waiting messages, the operator's limit");
        }
    }

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
     * The error envelope for a refused publish, signed by the relay, for the publisher's inbox. MQTT 3.1.1 has no
     * other way to tell a client why a publish was refused. It names the refused envelope's id whenever that can be
     * read, parse-stage refusals included, so a client with several publishes in flight knows which one it was
     * (SPEC §3.5.6); a rate-limited payload is not examined (SPEC §9).
     */
    public Envelope errorEnvelope(KeyId publisher, byte[] refusedPayload, RelayException error) {
        String inReplyTo = error.code() == ErrorCode.RATE_LIMITED ? null : Envelope.readableId(refusedPayload);
        return systemRequests.error(publisher, inReplyTo, error);
    }

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

    /** Appends to the audit log; a store fault is logged, never thrown at a client whose action was already decided. */
    private void audit(AuditEvent event) {
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
