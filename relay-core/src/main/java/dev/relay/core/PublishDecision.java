package dev.relay.core;

import dev.relay.core.limit.RateDecision;
import dev.relay.core.limit.TokenBucketRateLimiter;
import dev.relay.store.AuditEvent;
import dev.relay.store.DeliveryState;
import dev.relay.store.MessageRecord;
import dev.relay.store.RelayStore;
import dev.relay.protocol.Address;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.InboundCheck;
import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.Ttl;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The checks of SPEC §3.7 for one publish, in their order, and what follows from them: record, deliver, park or
 * answer. Refusals come back as {@link PublishOutcome.Reject}s made by {@link ErrorNotices}.
 */
final class PublishDecision {
    private final RelayConfig config;
    private final RelayStore store;
    private final KeyId relayKeyId;
    private final Clock clock;
    private final KeyIdCache keyIds;
    private final SystemRequests systemRequests;
    private final ErrorNotices notices;
    private final Supplier<BrokerSessions> brokerSessions;
    private final TokenBucketRateLimiter rateLimiter;
    /** When this engine (and so its broker) started: records older than this may predate a broker crash. */
    private final long startedAtMillis;

    PublishDecision(RelayConfig config, RelayStore store, KeyId relayKeyId, Clock clock, KeyIdCache keyIds,
                    SystemRequests systemRequests, ErrorNotices notices, Supplier<BrokerSessions> brokerSessions) {
        this.config = config;
        this.store = store;
        this.relayKeyId = relayKeyId;
        this.clock = clock;
        this.keyIds = keyIds;
        this.systemRequests = systemRequests;
        this.notices = notices;
        this.brokerSessions = brokerSessions;
        this.rateLimiter = new TokenBucketRateLimiter(config.sendBurst(), config.sendsPerMinute(), Duration.ofMinutes(1),
                () -> clock.millis() * 1_000_000L);
        this.startedAtMillis = clock.millis();
    }

    PublishOutcome decide(KeyId publisher, PublishFacts facts, Address address, byte[] payload) throws RelayException {
        if (address instanceof Address.Outside outside) {
            if (config.allowOutsideNamespace()) {
                return new PublishOutcome.PassThrough();
            }
            throw new RelayException(ErrorCode.FORBIDDEN, "topic '" + RelayEngine.shorten(outside.raw())
                    + "' is outside the relay namespace and the operator does not allow that");
        }
        if (address instanceof Address.Forbidden forbidden) {
            throw new RelayException(ErrorCode.FORBIDDEN, "'" + RelayEngine.shorten(forbidden.raw()) + "': "
                    + forbidden.why());
        }
        if (facts.retain()) {
            // A retained envelope would be handed to every later subscriber again, past its TTL and receipts.
            throw new RelayException(ErrorCode.FORBIDDEN, "the retain flag is not allowed in the relay namespace"
                    + " (SPEC §3.9)");
        }
        RateDecision rate = rateLimiter.tryAcquire(publisher.toString());
        if (!rate.allowed()) {
            // SPEC §9: the text starts with retry_after=<n> so string-only transports carry the number.
            RelayException limited = new RelayException(ErrorCode.RATE_LIMITED, ErrorMapping.retryAfterText(
                    rate.retryAfterSeconds(), "more than " + config.sendsPerMinute() + " sends per minute"));
            return notices.reject(publisher, facts, payload, limited, rate.retryAfterSeconds());
        }
        long now = clock.millis();
        try {
            return decideCounted(publisher, facts.passingSession(), address, payload, now);
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
        boolean fromRelay = sender.equals(relayKeyId); // rule 2 of SPEC §5.4
        // Read once: the answered message decides rule 3 and is what a receipt marks delivered (its message_id is
        // in_reply_to, Receipt.parse checks that).
        MessageRecord answered = envelope.inReplyTo() == null ? null
                : store.message(recipient.toString(), envelope.inReplyTo()).orElse(null);
        boolean reply = !owner && answersLiveMessage(answered, sender, now);
        InboxPolicy policy = RelayEngine.policyOf(store, config, recipient);
        if (!policy.admits(sender.toString(), owner, fromRelay, reply)) {
            throw new RelayException(ErrorCode.ACL_DENIED, "the inbox of " + recipient + " does not accept messages from "
                    + sender + " (policy " + policy.mode().wireName() + ")");
        }
        boolean isReceipt = envelope.kind() == Kind.RECEIPT;
        if (isReceipt) {
            Receipt.parse(envelope); // a malformed receipt is refused (SPEC §3.7); its content is not needed here
        }
        long expiresAt = envelope.expiresAtMillis(config.maxTtlSeconds());
        BrokerSessions.Readers readers = brokerSessions.get().readers(recipient, passingPublisher);
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
            RelayEngine.markDelivered(store, receipted.sender(), receipted.messageId(), now);
        }
    }

    private boolean hasParkingRoom(KeyId recipient, long now) {
        return store.parkedCount(recipient.toString(), now) < config.maxParkedPerRecipient();
    }

    private void requireParkingRoom(KeyId recipient, long now) throws RelayException {
        if (!hasParkingRoom(recipient, now)) {
            throw new RelayException(ErrorCode.QUEUE_FULL, "the inbox of " + recipient + " holds "
                    + config.maxParkedPerRecipient() + " waiting messages, the operator's limit");
        }
    }

    private void audit(AuditEvent event) {
        RelayEngine.audit(store, event);
    }
}
