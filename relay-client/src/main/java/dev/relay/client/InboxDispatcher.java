package dev.relay.client;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.Ttl;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to each envelope delivered to a client's inbox, whatever the transport (SPEC §3.8): verify it, drop
 * duplicates, answer pending requests, receipt waits and refused sends, otherwise run the application handler, and
 * acknowledge. Verification runs on the transport's thread (it is quick and needs no locks); only application code
 * runs on the handler thread, so a handler that waits for a request's answer cannot block the delivery of that answer.
 */
public final class InboxDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(InboxDispatcher.class);
    /** How many recent (sender, id) pairs are remembered to drop redeliveries. */
    public static final int DEDUPE_CAPACITY = 10_000;

    private final KeyId me;
    private final RelayKeyTrust trust;
    private final PendingRequests requests;
    private final PendingReceipts receipts;
    private final IncomingHandler handler;
    private final ExecutorService handlerThread;
    private final Function<Envelope, Incoming> incoming;
    private final LongSupplier clockMillis;
    private final RecentIds recent = new RecentIds(DEDUPE_CAPACITY);
    private volatile Consumer<String> discardListener = reason -> { };
    private volatile Predicate<Envelope> sendRefusals = envelope -> false;

    /**
     * @param handler       application code, or null to acknowledge and drop what is not an awaited answer
     * @param handlerThread one thread, so that the handler sees envelopes in delivery order
     * @param incoming      wraps a verified envelope for the handler (with reply shortcuts of the client)
     */
    public InboxDispatcher(KeyId me, RelayKeyTrust trust, PendingRequests requests, PendingReceipts receipts,
                           IncomingHandler handler,
                           ExecutorService handlerThread, Function<Envelope, Incoming> incoming,
                           LongSupplier clockMillis) {
        this.me = me;
        this.trust = trust;
        this.requests = requests;
        this.receipts = receipts;
        this.handler = handler;
        this.handlerThread = handlerThread;
        this.incoming = incoming;
        this.clockMillis = clockMillis;
    }

    /**
     * Called with the reason (SPEC code first) of every envelope discarded because it failed §3.8 steps 1–4, on the
     * transport's thread; an exception it throws is logged and does not keep the envelope from being acknowledged.
     */
    public void onDiscard(Consumer<String> listener) {
        this.discardListener = listener;
    }

    /**
     * Matches the {@code error} envelopes that refuse one of the client's sends (SPEC §10.2); what it takes (returns
     * true for) answers that send and does not reach the handler. Called on the transport's thread, after the request
     * and receipt waits had their turn.
     */
    public void onSendRefusal(Predicate<Envelope> matcher) {
        this.sendRefusals = matcher;
    }

    /**
     * One delivery, in delivery order. {@code ack} acknowledges it to the transport; it is called once the envelope was
     * handled or discarded, and not at all when the handler failed (the broker then delivers it again).
     */
    public void onDelivery(byte[] payload, Runnable ack) {
        Envelope envelope;
        try {
            envelope = verify(payload);
        } catch (RelayException e) {
            // Acked anyway (SPEC §3.8): redelivering an envelope that fails verification would fail again.
            LOG.warn("Discarding an envelope from the inbox of {}: {}", me, e.reasonString());
            try {
                discardListener.accept(e.reasonString());
            } catch (RuntimeException | AssertionError listenerFailure) {
                // Application code on the transport's thread: thrown on, it would skip the ack and stall the inbox.
                LOG.warn("Discard listener failed on {}", e.reasonString(), listenerFailure);
            }
            ack.run();
            return;
        }
        String dedupeKey = envelope.from() + " " + envelope.id();
        if (!recent.add(dedupeKey)) {
            LOG.debug("Discarding duplicate {}", envelope);
            ack.run();
            return;
        }
        if (requests.complete(envelope) || receipts.complete(envelope) || sendRefusals.test(envelope)) {
            ack.run();
            return;
        }
        if (handler == null) {
            LOG.warn("No handler set; discarding {}", envelope);
            ack.run();
            return;
        }
        try {
            handlerThread.execute(() -> handle(envelope, dedupeKey, ack));
        } catch (RejectedExecutionException closing) {
            recent.remove(dedupeKey); // the client is closing; not acked, so it comes again next time
        }
    }

    private void handle(Envelope envelope, String dedupeKey, Runnable ack) {
        Incoming message = incoming.apply(envelope);
        try {
            handler.onMessage(message);
        } catch (Exception | AssertionError e) {
            // Not acked: the broker keeps it and delivers it again on the next connection.
            recent.remove(dedupeKey);
            LOG.error("Handler failed on {}; not acknowledged, it will be delivered again after a reconnect",
                    envelope, e);
            return;
        }
        if (message.isLeftUnacknowledged()) {
            recent.remove(dedupeKey); // so that a redelivery to this client is handled again
            return;
        }
        ack.run();
    }

    /** SPEC §3.8 steps 1–4: parse strictly, check the recipient, the signer and the expiry. */
    public Envelope verify(byte[] payload) throws RelayException {
        Envelope envelope = Envelope.parse(payload);
        if (!envelope.to().equals(me.toString())) {
            throw new RelayException(ErrorCode.RECIPIENT_MISMATCH, envelope + " is not addressed to " + me);
        }
        envelope.verify();
        if ((envelope.kind() == Kind.RESPONSE || envelope.kind() == Kind.ERROR)
                && !trust.isFromRelay(envelope, requests.awaitedOp(envelope) == SystemOp.RELAY_INFO)) {
            throw new RelayException(ErrorCode.BAD_SIGNATURE, envelope + " is not signed by the trusted relay key "
                    + (trust.relayKey() == null ? "(none known yet)" : trust.relayKey()));
        }
        if (clockMillis.getAsLong() >= envelope.expiresAtMillis(Ttl.MAX_SECONDS)) {
            throw new RelayException(ErrorCode.EXPIRED, envelope + " has expired");
        }
        return envelope;
    }
}
